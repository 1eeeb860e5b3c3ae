"""The answer pipeline, one component a step: retrieve → candidates → read → decide → assemble.

Each component has one ``run`` method that takes values and returns a value (as Haystack's
components do), so a step can be measured, replaced or switched off on its own;
``retrieval.engine.Engine`` chains them.
"""
