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

cancel = Cancel

# Extensions (SPEC A5)
extensions-title = Extensions
extensions-add-user = + Add user
extensions-none = No extension yet.
extensions-number = Extension
extensions-name = Name
extensions-kind = Type
extensions-direct = Direct numbers
extensions-devices = Connected devices
extensions-no-device = No device
extensions-registered = { $count } online
extensions-actions = Actions
extensions-delete = Delete
extensions-added = The user of extension { $extension } was created. They received a welcome e-mail with a temporary password.
extensions-added-unsent = The user of extension { $extension } was created, but the welcome e-mail could not be sent.
extensions-deleted = The user of extension { $extension } was deleted. Their devices are free.
kind-user = User
kind-ring-group = Ring group
kind-conference = Conference
kind-receptionist = Virtual receptionist

add-user-title = Add a user
add-user-intro = The user will receive their extension and a temporary password by e-mail, to change at first sign-in.
add-user-name = Name
add-user-email = E-mail address
add-user-extension = Extension number
add-user-extension-hint = 2 to 6 digits. Free extensions are suggested.
add-user-number = Direct number
add-user-no-number = No direct number
add-user-spare-number = { $number } (unassigned account number)
add-user-pool-number = { $number } (new number)
add-user-submit = Add user
add-user-bad-name = Enter the user's name (at most 100 characters).
add-user-bad-email = Enter a valid e-mail address, for example alice@example.com.
add-user-taken = Extension { $extension } is already in use. Choose a free one.
add-user-number-gone = This number is no longer available. Choose another one.

delete-user-title = Delete a user
delete-user-question = Delete { $name }?
delete-user-devices = Their devices ({ $count }) stay in the account, free for another user. Numbers that rang this extension will be unassigned.
delete-user-confirm = Delete permanently

# Phone numbers (SPEC A6)
numbers-title = Phone numbers
numbers-intro = Choose the extension each number rings, then save the row.
numbers-number = Number
numbers-target = Rings
numbers-target-of = What { $number } rings
numbers-main = Main number
numbers-no-target = — No extension —
numbers-save = Save
numbers-saved = { $number } was saved.
numbers-bought = { $number } is now yours. Choose what it rings.
numbers-bad-target = Choose an extension from the list.
numbers-main-needs-target = The main number must ring an extension.
numbers-buy-title = Buy a number
numbers-buy = Buy
numbers-choose-option = Choose a number
numbers-choose = Choose the number to buy.
numbers-gone = This number was just given to another customer. Choose another one.
numbers-pool-empty = No number available at the moment.

# One user's settings (SPEC A5)
user-settings-title = User settings
user-back = ← Extensions
user-tab-voicemail = Voicemail
user-tab-forwarding = Call forwarding
user-tab-advanced = Advanced
user-save = Save
user-saved = The settings were saved.
user-settings-link = Settings
vm-enabled = Voicemail enabled
vm-ring = Ring time before voicemail (seconds)
vm-ring-hint = 5 to 120 seconds.
vm-bad-ring = The ring time is 5 to 120 seconds.
vm-pin = Voicemail PIN
vm-pin-set = A PIN is set. Leave empty to keep it.
vm-pin-unset = No PIN yet. 4 to 8 digits.
vm-bad-pin = The PIN is 4 to 8 digits.
vm-email = Send messages by e-mail
vm-attach = Attach the recording to the e-mail
vm-after = After the e-mail is sent
vm-after-keep = Keep as new
vm-after-heard = Mark as heard
vm-after-delete = Delete
fwd-enabled = Call forwarding enabled
fwd-number = Forward to
fwd-simultaneous = Ring the extension at the same time
fwd-key-press = Key press required to accept the call
fwd-number-required = Enter the number to forward to before enabling forwarding.
fwd-bad-number = Enter a valid phone number, for example +44 20 7946 0000.
advanced-caller-id = Number shown on outgoing calls
advanced-caller-id-main = The company's main number
advanced-bad-caller-id = Choose one of the account's numbers.
