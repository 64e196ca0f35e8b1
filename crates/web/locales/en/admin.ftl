# Admin pages beyond the dashboard (SPEC A2, A5, A6).
tab-calls = Call log
tab-extensions = Extensions
tab-numbers = Phone numbers

# Call log (SPEC A2)
calls-title = Call log
calls-all = All
calls-from = From
calls-to = To
calls-search = Search
calls-none = No call matches this search.
calls-bad-date = Enter a valid date, for example 12/06/2026.
calls-to-before-from = The end date must come after the start date.
calls-pages = Log pages
calls-older = Older calls →
calls-newest = ← Newest calls
