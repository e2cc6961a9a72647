"""The built-in ops, grouped by kind. Each is a `Function` like a user's custom op."""
