"""The AI tools and models register, and the employee lookup "may I use tool X with data Y?"."""
