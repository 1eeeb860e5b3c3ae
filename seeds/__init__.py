"""The shipped article corpus.

A package only so that ``pip install .`` carries the articles along: the loader reads every
``*.txt`` file in this folder, so operators may add or replace articles freely.
"""
