"""The domain core: plain Python, no Flask, no database. The clock and the actor are passed in."""
