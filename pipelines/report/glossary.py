"""One-line definitions of every metric :mod:`evaluate.compare` produces, for analysts.

The report and the README take their wording from here, so a metric is explained
the same way everywhere. Keys are the metric names used in ``metrics.json``.
"""

from __future__ import annotations

METRICS: dict[str, str] = {
    # One model's topics, on the shared reference tokens
    "n_topics": "Number of topics the model produced (the outlier group -1 not included).",
    "npmi": (
        "Normalised pointwise mutual information of each topic's top-10 word pairs within "
        "10-token windows, averaged over pairs and topics; -1 (never together) to 1 "
        "(always together), above 0 means the words co-occur more than by chance."
    ),
    "npmi_se": (
        "Standard error of npmi when the corpus is too large to measure whole and coherence "
        "is measured on a seeded sample of its documents (delete-a-group jackknife over 10 "
        "random groups of the sample); empty when the whole corpus is the reference."
    ),
    "c_v": (
        "C_V coherence: how similar the co-occurrence profiles (NPMI vectors, 110-token "
        "windows) of a topic's top-10 words are to the topic as a whole; 0 to 1, higher is "
        "more coherent."
    ),
    "word_cosine": (
        "Word cosine: mean cosine similarity of every pair of a topic's top-10 words in the "
        "embedding model's space, averaged over topics; needs no co-occurrence, so unlike "
        "npmi it still measures topics of documents a few words long (titles, tweets); "
        "higher is more coherent, but generic words also look alike."
    ),
    "u_mass": (
        "UMass coherence: mean log conditional probability that a top word appears in a "
        "document given a higher-ranked top word appears; at most 0, closer to 0 is more "
        "coherent."
    ),
    "diversity": (
        "Share of unique words among all topics' top-10 words; 1 means no two topics share "
        "a top word, low values mean redundant topics."
    ),
    "irbo": (
        "Inverted rank-biased overlap: 1 minus the mean rank-biased overlap (p = 0.9) of "
        "every pair of topics' top-10 lists; 0 means identical topics, 1 no shared words, "
        "and a shared word weighs more the higher both topics rank it."
    ),
    "sizes": "Number of documents assigned to each topic, topic 0 first.",
    "size_min": "Number of documents in the smallest topic.",
    "size_median": "Median number of documents per topic.",
    "size_max": "Number of documents in the largest topic.",
    "size_gini": (
        "Gini coefficient of the topic sizes: 0 when all topics are equally large, near 1 "
        "when one topic holds almost every document."
    ),
    "unassigned_share": (
        "Share of documents no topic claims (topic -1: outliers, or documents with no "
        "vocabulary word); they are counted, never hidden."
    ),
    # Matching the topics of two models, a pair at a time (a: the first, b: the second)
    "jaccard": (
        "Jaccard similarity of two topics' top-10 word sets: shared words / distinct words "
        "of both; 0 to 1."
    ),
    "jensen_shannon": (
        "Jensen-Shannon similarity: 1 minus the Jensen-Shannon distance (base 2) between two "
        "topics' word distributions over the shared vocabulary; 1 identical, 0 no word in "
        "common. The measure the report leads with."
    ),
    "embedding_cosine": (
        "Cosine similarity of two topics' vectors in the embedding model's space, each the "
        "centroid of its documents' embeddings; sees shared meaning even without shared "
        "words."
    ),
    "hungarian_matching": (
        "One-to-one pairing of two models' topics that maximises the total similarity "
        "(Hungarian algorithm); a pair counts only when its similarity reaches the "
        "measure's threshold."
    ),
    "matched": "Topic pairs (a, b) the matching accepted, most similar first.",
    "a_only": "Topics of a pair's first model with no topic of the second above the threshold.",
    "b_only": "Topics of a pair's second model with no topic of the first above the threshold.",
    # Document-level agreement (between the models, or a model against gold labels)
    "nmi": (
        "Normalised mutual information between two groupings of the same documents: 0 "
        "independent, 1 identical up to renaming the groups."
    ),
    "ami": (
        "Adjusted mutual information: NMI corrected for chance, so random groupings score "
        "about 0 whatever the number of groups; 1 identical."
    ),
    "ari": (
        "Adjusted Rand index: agreement on which document pairs are grouped together, "
        "corrected for chance; about 0 random, 1 identical."
    ),
    "purity": (
        "Share of documents whose topic's most common gold label is their own label; 1 when "
        "every topic holds a single label (many small topics also score high)."
    ),
    "homogeneity": "1 when every topic contains documents of a single gold label only.",
    "completeness": "1 when all documents of each gold label fall into the same topic.",
    "documents_compared": (
        "Documents both models assign to a topic; the model-to-model NMI, AMI and ARI are "
        "computed on these."
    ),
    "with_unassigned": (
        "Suffix: the same score on all documents, with each model's unassigned documents "
        "(-1) as one group of their own."
    ),
    "documents_scored": (
        "Documents with a gold label; label scores use these, unassigned ones (-1) as one "
        "more topic, so setting hard documents aside earns nothing."
    ),
    # Stability across seeds
    "topic_recovery": (
        "For each topic of the reference run, the share of the other runs (other seeds) in "
        "which a one-to-one Jaccard match of at least 0.5 on the top-10 words reappears; "
        "1 means the topic is found every time."
    ),
}
