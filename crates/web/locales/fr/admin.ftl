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

cancel = Annuler

# Extensions (SPEC A5)
extensions-title = Extensions
extensions-add-user = + Ajouter un utilisateur
extensions-none = Aucune extension pour l'instant.
extensions-number = Poste
extensions-name = Nom
extensions-kind = Type
extensions-direct = Numéros directs
extensions-devices = Appareils connectés
extensions-no-device = Aucun appareil
extensions-registered = { $count } en ligne
extensions-actions = Actions
extensions-delete = Supprimer
extensions-added = L'utilisateur du poste { $extension } a été créé. Il a reçu un e-mail de bienvenue avec un mot de passe temporaire.
extensions-added-unsent = L'utilisateur du poste { $extension } a été créé, mais l'e-mail de bienvenue n'a pas pu être envoyé.
extensions-deleted = L'utilisateur du poste { $extension } a été supprimé. Ses appareils sont libres.
kind-user = Utilisateur
kind-ring-group = Groupe d'appel
kind-conference = Conférence
kind-receptionist = Standard virtuel

add-user-title = Ajouter un utilisateur
add-user-intro = L'utilisateur recevra par e-mail son numéro de poste et un mot de passe temporaire à changer à la première connexion.
add-user-name = Nom
add-user-email = Adresse e-mail
add-user-extension = Numéro de poste
add-user-extension-hint = De 2 à 6 chiffres. Les postes libres sont proposés.
add-user-number = Numéro direct
add-user-no-number = Aucun numéro direct
add-user-spare-number = { $number } (numéro du compte non attribué)
add-user-pool-number = { $number } (nouveau numéro)
add-user-submit = Ajouter l'utilisateur
add-user-bad-name = Saisissez le nom de l'utilisateur (100 caractères au plus).
add-user-bad-email = Saisissez une adresse e-mail valide, par exemple alice@exemple.fr.
add-user-taken = Le poste { $extension } est déjà utilisé. Choisissez un poste libre.
add-user-number-gone = Ce numéro n'est plus disponible. Choisissez-en un autre.

delete-user-title = Supprimer un utilisateur
delete-user-question = Supprimer { $name } ?
delete-user-devices = Ses appareils ({ $count }) resteront dans le compte, libres pour un autre utilisateur. Les numéros qui sonnaient sur ce poste ne seront plus attribués.
delete-user-confirm = Supprimer définitivement

# Phone numbers (SPEC A6)
numbers-title = Numéros de téléphone
numbers-intro = Choisissez le poste que fait sonner chaque numéro, puis enregistrez la ligne.
numbers-number = Numéro
numbers-target = Fait sonner
numbers-target-of = Ce que fait sonner le { $number }
numbers-main = Numéro principal
numbers-no-target = — Aucun poste —
numbers-save = Enregistrer
numbers-saved = Le { $number } a été enregistré.
numbers-bought = Le { $number } est maintenant à vous. Choisissez ce qu'il fait sonner.
numbers-bad-target = Choisissez un poste dans la liste.
numbers-main-needs-target = Le numéro principal doit faire sonner un poste.
numbers-buy-title = Acheter un numéro
numbers-buy = Acheter
numbers-choose-option = Choisissez un numéro
numbers-choose = Choisissez le numéro à acheter.
numbers-gone = Ce numéro vient d'être attribué à un autre client. Choisissez-en un autre.
numbers-pool-empty = Aucun numéro disponible pour l'instant.

# One user's settings (SPEC A5)
user-settings-title = Réglages de l'utilisateur
user-back = ← Extensions
user-tab-voicemail = Messagerie vocale
user-tab-forwarding = Renvoi d'appel
user-tab-advanced = Avancé
user-save = Enregistrer
user-saved = Les réglages ont été enregistrés.
user-settings-link = Réglages
vm-enabled = Messagerie vocale activée
vm-ring = Durée de sonnerie avant la messagerie (secondes)
vm-ring-hint = De 5 à 120 secondes.
vm-bad-ring = La durée de sonnerie va de 5 à 120 secondes.
vm-pin = Code de la messagerie
vm-pin-set = Un code est défini. Laissez vide pour le garder.
vm-pin-unset = Aucun code. De 4 à 8 chiffres.
vm-bad-pin = Le code comporte de 4 à 8 chiffres.
vm-email = Envoyer les messages par e-mail
vm-attach = Joindre l'enregistrement au message
vm-after = Après l'envoi de l'e-mail
vm-after-keep = Garder comme nouveau
vm-after-heard = Marquer comme écouté
vm-after-delete = Supprimer
fwd-enabled = Renvoi d'appel activé
fwd-number = Numéro de renvoi
fwd-simultaneous = Faire sonner le poste en même temps
fwd-key-press = Appui sur une touche requis pour prendre l'appel
fwd-number-required = Saisissez le numéro de renvoi pour activer le renvoi.
fwd-bad-number = Saisissez un numéro de téléphone valide, par exemple 06 12 34 56 78.
advanced-caller-id = Numéro présenté lors des appels sortants
advanced-caller-id-main = Numéro principal de l'entreprise
advanced-bad-caller-id = Choisissez un numéro du compte.
