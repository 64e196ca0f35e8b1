# Admin pages beyond the dashboard (SPEC A2, A5, A6).
tab-calls = Journal d'appels
tab-extensions = Extensions
tab-numbers = Numéros

# Call log (SPEC A2)
calls-title = Journal d'appels
calls-all = Tous
calls-from = Du
calls-to = Au
calls-search = Rechercher
calls-none = Aucun appel ne correspond à cette recherche.
calls-bad-date = Saisissez une date valide, par exemple 06/12/2026.
calls-to-before-from = La date de fin doit suivre la date de début.
calls-pages = Pages du journal
calls-older = Appels plus anciens →
calls-newest = ← Appels les plus récents
