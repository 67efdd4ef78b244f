"""GUI family: Android-style screens (view trees rendered by PIL, with AndroidWorld-style
accessibility trees), AndroidWorld's JSON actions, and grounding tasks."""
