"""The built-in English stopword list.

Function words, contractions, honorifics and reporting words that carry no topic. It is
deliberately not the Glasgow list behind gensim's and scikit-learn's defaults,
which also removes topical words such as "computer", "system", "bill", "fire" and
"interest". Words frequent enough to be noise in a given corpus are removed by
the vocabulary filter (``no_above``) instead.

Honorifics (``mr``, ``dr``, ...) otherwise glue onto names as phrases (``mr_arafat``
beside ``yasser_arafat``). Reporting words are the verbs and nouns of attribution in
news ("..., a spokesman said", "according to"); only their attribution senses are
listed: ``report``, ``reports``, ``statement`` or ``claims`` can be a topic and stay.
"""

ENGLISH = frozenset(
    """
    a about above across after afterwards again against all almost alone along already also
    although always am among amongst an and another any anybody anyhow anyone anything anyway
    anywhere are aren't around as at be became because become becomes becoming been before
    beforehand behind being below beside besides between beyond both but by can can't cannot
    could couldn't did didn't do does doesn't doing don't done down during each either else
    elsewhere enough etc even ever every everybody everyone everything everywhere except few
    for from further had hadn't has hasn't have haven't having he he'd he'll he's her here
    here's hereafter hereby herein hers herself him himself his how how's however i i'd i'll
    i'm i've ie if in indeed into is isn't it it's its itself just let's many may maybe me
    meanwhile might mightn't mine more moreover most mostly much must mustn't my myself namely
    neither never nevertheless next no nobody none noone nor not nothing now nowhere of off
    often on once one's only onto or other others otherwise ought our ours ourselves out over
    own per perhaps rather really same several shall shan't she she'd she'll she's should
    shouldn't since so some somehow someone something sometime sometimes somewhere still such
    than that that's the their theirs them themselves then thence there there's thereafter
    thereby therefore therein thereupon these they they'd they'll they're they've this those
    though through throughout thru thus to together too toward towards under until unto up
    upon us very via was wasn't we we'd we'll we're we've were weren't what what's whatever
    when when's whence whenever where where's whereafter whereas whereby wherein whereupon
    wherever whether which while whither who who's whoever whole whom whose why why's will
    with within without won't would wouldn't yet you you'd you'll you're you've your yours
    yourself yourselves
    said says say saying told tell tells asked ask
    according added reported spokesman spokeswoman spokesperson spokesmen
    mr mrs ms dr sir prof
    """.split()
)
