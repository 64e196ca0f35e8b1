# The user portal beyond sign-in (SPEC U4, U6-U9).
tab-preferences = Préférences
tab-profile = Profil

# Call log (SPEC U4)
user-calls-title = Journal d'appels
user-calls-export = Exporter en CSV
user-calls-show = Appels
user-calls-incoming = Entrants
user-calls-outgoing = Sortants
user-calls-missed = Manqués
user-calls-way = Sens
user-calls-way-incoming = Entrant
user-calls-way-outgoing = Sortant
user-calls-other = Correspondant

# Preferences (SPEC U6, U7, U8)
user-prefs-title = Préférences
user-prefs-tab-caller-id = Présentation du numéro
user-prefs-main-number = { $number } (numéro principal de l'entreprise)
user-prefs-admin-only = Seul votre administrateur peut modifier ces deux réglages.
user-prefs-pin-use = Ce code sert à consulter votre messagerie à distance, par téléphone.
user-prefs-attach = Joindre le fichier audio (MP3) à l'e-mail de notification
user-prefs-fwd-hint = Obligatoire pour activer le renvoi. Un numéro français ou international (00 ou +).
user-prefs-key-press-hint = Vous appuierez sur 1 pour prendre un appel renvoyé : ainsi, la messagerie de votre mobile ne prend pas l'appel si vous ne répondez pas.
user-prefs-caller-id-hint = Le numéro que voient les personnes que vous appelez.
user-prefs-bad-caller-id = Choisissez un des numéros proposés.

# Profile (SPEC U9)
user-profile-title = Profil
user-profile-admin-only = Seul votre administrateur peut modifier votre nom et votre numéro de poste.
user-profile-email-hint = Les notifications de messagerie vocale sont envoyées à cette adresse.
user-profile-email-saved = Votre adresse e-mail a été enregistrée.
user-profile-password = Mot de passe
user-profile-change-password = Changer le mot de passe
