"""How many topics: one rule for every model (:mod:`.rule`) and its config section."""
