"""Topic models behind one protocol, and what they share (topic sets, topic words)."""
