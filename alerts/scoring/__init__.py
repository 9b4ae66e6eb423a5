"""考核赋分: the scoring policy as versioned data and each section's score sheet per period."""
