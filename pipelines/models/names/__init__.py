"""Topic names: a short readable name (2 to 4 words) for every topic of any model, offline.

A name is built from phrases the topic's own documents use, in three steps:

1. **Candidates** (:class:`PhraseIndex`, once per corpus): runs of one to three shared
   tokens that stand next to each other in the document's text, allowing only a
   couple of connecting function words between them ("Bank of England" from the
   tokens ``bank england``) and never a sentence break, a comma or a dropped content
   word. Each phrase is counted once per document and shown in its most common
   spelling in the texts (case, hyphens and connectors kept).
2. **Shortlist** (per topic): phrases at least two of the topic's documents, and 2 %
   of them (``MIN_SHARE``), use and that are at least ``MIN_LIFT`` times as common
   among them as in the corpus, ranked
   by pointwise KL on document shares as :mod:`models.words` ranks topic words (the
   share of the topic's documents that use the phrase times the log of how much more
   often they do than all documents do); the best ``candidates`` stay.
3. **Choice**: maximal marginal relevance in the encoder's space. Relevance is a
   phrase's cosine to the topic (the centroid of its documents' vectors when the corpus
   has vectors, else the embedding of its top words) plus ``KL_WEIGHT`` times its
   normalised KL score. Redundancy is the largest cosine to the phrases already in this
   name and in the names other topics of the model already have (the largest topics
   are named first). A single-word best phrase is joined with the next best phrase that
   shares no word with it, so a name has 2 to 4 words. Without an encoder, relevance is
   the KL score and redundancy is word overlap. Names are distinct within a model (not
   across models: matched topics of two models may well share a name) and deterministic.

The steps are modules of this package: :mod:`.phrases` (the candidates and the corpus's
:class:`PhraseIndex`), :mod:`.shortlist` (each topic's best candidates) and :mod:`.choice`
(:func:`name_topics`, the maximal-marginal-relevance choice).

What others' experience changed here (BERTopic 0.17, turftopic 0.x, their trackers):

- BERTopic's ``MaximalMarginalRelevance`` diversifies the words *within* one topic;
  nothing stops two topics from getting the same label, and users report exactly that
  (BERTopic #592: ``0_manage_quote_bingo_games`` next to ``1_quote_manage_bingo_games``;
  #1341: LLM labels repeated across topics). Here MMR also runs against the names other
  topics already took, and a name equal to one already taken is never chosen.
- ``KeyBERTInspired`` embeds the topic as the mean of five representative documents
  and ranks c-TF-IDF candidates by cosine to it, so a handful of (often long)
  documents decide the label, and c-TF-IDF favours words a few documents of a small
  topic share. Here phrases count once per document, need two of the topic's documents,
  are ranked by document share first, and the topic vector is the centroid of *all*
  its documents.
- turftopic's ``NgramTopicNamer`` takes 3-4-grams of the whole corpus (CountVectorizer,
  stopwords kept) and gives each topic its nearest one, independently of the others;
  its author calls the result "lower quality" (turftopic #69). Raw n-grams start or
  end on function words (BERTopic users ask to keep stopwords out of labels, #962),
  and n-grams of stopword-free tokens join words that never stood together (#1671).
  Here candidates come only from the topic's own documents, start and end on a
  content word, and are checked against the text for adjacency.
- Measured here rather than read: cosine to the topic alone favours phrases that fit
  the topic's meaning but are used by few of its documents, or by every topic (such as
  "last year"). Adding ``KL_WEIGHT`` of the KL score and the ``MIN_LIFT`` floor moved
  the BBC News labels nearest their class's name from 44 to 50 of 56 in development
  runs (``benchmarks/topic_names.py``).
"""

from topicflow.pipelines.models.names.choice import Encoder, name_topics
from topicflow.pipelines.models.names.phrases import PhraseIndex, document_phrases, word_count

__all__ = ["Encoder", "PhraseIndex", "document_phrases", "name_topics", "word_count"]
