"""The 口径库 (approved statements with the policy documents they rest on) and the word lists the checks use.

``service`` is the only writer of these tables; ``schemas`` holds what the API and the pages exchange.
"""
