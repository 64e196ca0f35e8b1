# The user portal beyond sign-in (SPEC U4, U6-U9).
tab-preferences = Préférences
tab-voicemail = Messagerie vocale
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

# Click to call (SPEC U2)
click-title = Appeler
click-destination = Numéro à appeler
click-destination-hint = Un poste, un numéro français ou un numéro international (00 ou +). Votre téléphone sonne d'abord ; décrochez et l'appel part.
click-call = Appeler
click-call-back = Rappeler
click-call-back-label = Rappeler le { $number }
click-empty = Saisissez le numéro à appeler.
click-invalid = Ce n'est ni un poste (2 à 6 chiffres), ni un numéro français (0 et 9 chiffres), ni un numéro international (00 ou +).
click-live-title = Appel vers le { $number }
click-back = Retour au journal d'appels
click-again = Rappeler
click-refresh = Actualiser
click-step-you = Votre téléphone
click-step-dialling = Numérotation
click-step-ringing = Sonnerie
click-step-connected = Communication
click-calling-you = Votre téléphone sonne…
click-calling-you-detail = Décrochez pour appeler le { $number }.
click-dialling = Numérotation du { $number }…
click-dialling-detail = Restez en ligne, le numéro est composé.
click-ringing = Ça sonne…
click-ringing-detail = Le { $number } sonne.
click-connected = En communication
click-connected-detail = Vous êtes en ligne avec le { $number }.
click-end-no-phone = Aucun téléphone connecté
click-end-no-phone-detail = Aucun de vos téléphones n'est enregistré auprès du standard : le { $number } n'a pas été appelé. Vérifiez que votre téléphone est branché, puis réessayez.
click-end-you-did-not-answer = Vous n'avez pas décroché
click-end-you-did-not-answer-detail = Votre téléphone a sonné sans réponse : le { $number } n'a pas été appelé.
click-end-busy = Occupé
click-end-busy-detail = Le { $number } est déjà en ligne. Réessayez plus tard.
click-end-no-answer = Pas de réponse
click-end-no-answer-detail = Le { $number } n'a pas répondu.
click-end-failed = Échec de l'appel
click-end-failed-detail = Le { $number } n'a pas pu être joint.
click-end-hung-up = Appel terminé
click-end-hung-up-detail = Votre appel avec le { $number } est terminé.
click-lost = Appel introuvable
click-lost-detail = Le standard ne suit plus l'appel vers le { $number } (il a peut-être redémarré).
click-unavailable = Appels indisponibles
click-unavailable-detail = Le standard ne peut pas passer l'appel vers le { $number } pour le moment. Réessayez dans quelques minutes.
click-unavailable-form = Le standard ne peut pas passer d'appel pour le moment. Réessayez dans quelques minutes.

# Voicemail messages (SPEC U3)
voicemail-title = Messagerie vocale
voicemail-count-new = Nouveaux messages
voicemail-count-saved = Messages écoutés
voicemail-messages = Messages
voicemail-none = Aucun message pour le moment.
voicemail-new = Nouveau
voicemail-withheld = Numéro masqué
voicemail-received = Reçu le
voicemail-duration = Durée
voicemail-player = Écouter le message
voicemail-mark-heard = Marquer comme écouté
voicemail-mark-new = Marquer comme nouveau
voicemail-download = Télécharger (MP3)
voicemail-delete = Supprimer
voicemail-delete-title = Supprimer le message
voicemail-delete-question = Supprimer le message de { $caller } ?
voicemail-delete-hint = Le message et son enregistrement seront effacés définitivement.
voicemail-delete-confirm = Supprimer le message
voicemail-deleted = Le message a été supprimé.
voicemail-unavailable = La messagerie vocale est indisponible pour le moment. Réessayez dans quelques minutes.
voicemail-new-hint = Écouter un message le marque comme écouté.
