app-name = Switchboard
skip-to-content = Skip to content
language-switch = Français
language-switch-label = Passer en français
signout = Sign out
menu-account = Account menu

# Tabs of the admin portal (only those whose feature exists are shown).
tab-home = Home

# Admin sign-in (SPEC A1)
signin-title = Administrator sign-in
signin-intro = Sign in with your company's main phone number.
signin-number = Main number
signin-number-hint = For example 01 99 00 02 00
signin-password = Password
signin-submit = Sign in
signin-forgot = Forgot your password?
signin-wrong = Wrong number or password.
signin-too-many = Too many attempts. Try again in 15 minutes.
signin-suspended = This account is suspended. Contact your provider.
signin-user-link = Are you a user? Sign in to your portal.
signin-admin-link = Are you the administrator? Administrator sign-in.

# User sign-in (SPEC U1)
user-signin-title = User portal
user-signin-intro = Sign in with your company's number and your extension.
user-signin-company = Company number
user-signin-extension = Extension
user-signin-wrong = Wrong number, extension or password.

# Forced and voluntary password change (SPEC A16, U9)
change-title = Choose your password
change-intro = Your password is temporary. Choose a new one to continue.
change-current = Current password
change-new = New password
change-confirm = Confirm the new password
change-submit = Save
change-wrong-current = The current password is wrong.
change-mismatch = The two passwords differ.
change-too-short = The password must have at least 8 characters.
change-too-long = The password must have at most 128 characters.
change-done = Your password was changed.

# Password recovery (SPEC A1)
forgot-title = Forgot your password
forgot-intro = Enter your company's main number. We will send a link to the administrator's e-mail address.
forgot-submit = Send the link
forgot-sent = If this number belongs to an account, an e-mail with a link was just sent. The link works for one hour.
forgot-back = Back to sign-in
reset-title = New password
reset-intro = Choose a new password.
reset-invalid = This link no longer works: it was used already or has expired. Ask for a new one.
reset-done = Your password was changed. You can sign in.
invalid-number = Enter a valid phone number, for example 01 99 00 02 00.
invalid-extension = An extension has 2 to 6 digits.
extension-is-emergency = { $extension } is an emergency number: calls to it always go to the emergency services. Choose another extension.

# Admin home
dashboard-title = Dashboard
dashboard-welcome = Welcome, { $company }
dashboard-main-number = Main number
dashboard-extensions = Extensions
dashboard-recent-calls = Recent calls
dashboard-no-calls = No calls yet.
call-when = Date
call-from = From
call-to = To
call-direction = Direction
call-duration = Duration
call-result = Result
direction-inbound = Incoming
direction-outbound = Outgoing
direction-internal = Internal
disposition-answered = Answered
disposition-missed = Missed
disposition-busy = Busy
disposition-failed = Failed
disposition-in_progress = In progress


# Errors
error-title = Something went wrong
error-internal = An unexpected error occurred. Try again in a moment.
error-forbidden = The page has expired. Reload it and try again.
error-not-found = This page does not exist.
error-unavailable = This service is unavailable right now. Try again in a few minutes.
error-too-large = This form is too large (1 MB at most). For an import, split the file into several parts.
