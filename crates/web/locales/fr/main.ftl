app-name = Switchboard
skip-to-content = Aller au contenu
language-switch = English
language-switch-label = Change language to English
signout = Se déconnecter
menu-account = Menu du compte

# Tabs of the admin portal (only those whose feature exists are shown).
tab-home = Accueil

# Admin sign-in (SPEC A1)
signin-title = Connexion administrateur
signin-intro = Connectez-vous avec le numéro principal de votre entreprise.
signin-number = Numéro principal
signin-number-hint = Par exemple 01 99 00 02 00
signin-password = Mot de passe
signin-submit = Se connecter
signin-forgot = Mot de passe oublié ?
signin-wrong = Numéro ou mot de passe incorrect.
signin-too-many = Trop de tentatives. Réessayez dans 15 minutes.
signin-suspended = Ce compte est suspendu. Contactez votre fournisseur.
signin-user-link = Vous êtes un utilisateur ? Connectez-vous à votre espace.
signin-admin-link = Vous êtes l'administrateur ? Connexion administrateur.

# User sign-in (SPEC U1)
user-signin-title = Espace utilisateur
user-signin-intro = Connectez-vous avec le numéro de votre entreprise et votre numéro de poste.
user-signin-company = Numéro de l'entreprise
user-signin-extension = Numéro de poste
user-signin-wrong = Numéro, poste ou mot de passe incorrect.

# Forced and voluntary password change (SPEC A16, U9)
change-title = Choisissez votre mot de passe
change-intro = Votre mot de passe est temporaire. Choisissez-en un nouveau pour continuer.
change-current = Mot de passe actuel
change-new = Nouveau mot de passe
change-confirm = Confirmez le nouveau mot de passe
change-submit = Enregistrer
change-wrong-current = Le mot de passe actuel est incorrect.
change-mismatch = Les deux mots de passe ne sont pas identiques.
change-too-short = Le mot de passe doit contenir au moins 8 caractères.
change-too-long = Le mot de passe doit contenir au plus 128 caractères.
change-done = Votre mot de passe a été modifié.

# Password recovery (SPEC A1)
forgot-title = Mot de passe oublié
forgot-intro = Saisissez le numéro principal de votre entreprise. Nous enverrons un lien à l'adresse e-mail de l'administrateur.
forgot-submit = Envoyer le lien
forgot-sent = Si ce numéro correspond à un compte, un e-mail avec un lien vient d'être envoyé. Le lien est valable une heure.
forgot-back = Retour à la connexion
reset-title = Nouveau mot de passe
reset-intro = Choisissez un nouveau mot de passe.
reset-invalid = Ce lien n'est plus valable : il a déjà servi ou a expiré. Demandez-en un nouveau.
reset-done = Votre mot de passe a été modifié. Vous pouvez vous connecter.
invalid-number = Saisissez un numéro de téléphone valide, par exemple 01 99 00 02 00.
invalid-extension = Le numéro de poste comporte de 2 à 6 chiffres.
extension-is-emergency = Le { $extension } est un numéro d'urgence : les appels vers ce numéro vont toujours aux services d'urgence. Choisissez un autre poste.

# Admin home
dashboard-title = Tableau de bord
dashboard-welcome = Bienvenue, { $company }
dashboard-main-number = Numéro principal
dashboard-extensions = Postes
dashboard-recent-calls = Appels récents
dashboard-no-calls = Aucun appel pour l'instant.
call-when = Date
call-from = Appelant
call-to = Appelé
call-direction = Sens
call-duration = Durée
call-result = Résultat
direction-inbound = Entrant
direction-outbound = Sortant
direction-internal = Interne
disposition-answered = Répondu
disposition-missed = Manqué
disposition-busy = Occupé
disposition-failed = Échec
disposition-in_progress = En cours


# Errors
error-title = Une erreur est survenue
error-internal = Une erreur inattendue s'est produite. Réessayez dans un instant.
error-forbidden = La page a expiré. Rechargez-la puis réessayez.
error-not-found = Cette page n'existe pas.
error-unavailable = Ce service est indisponible pour le moment. Réessayez dans quelques minutes.
error-too-large = Ce formulaire est trop volumineux (1 Mo au plus). Pour un import, découpez le fichier en plusieurs parties.
