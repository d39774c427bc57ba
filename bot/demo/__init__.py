"""The demo: a day of the desk on the embedded defaults, against in-process fakes."""
