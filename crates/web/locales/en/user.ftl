# The user portal beyond sign-in (SPEC U4, U6-U9).
tab-preferences = Preferences
tab-profile = Profile

# Call log (SPEC U4)
user-calls-title = Call log
user-calls-export = Export as CSV
user-calls-show = Calls
user-calls-incoming = Incoming
user-calls-outgoing = Outgoing
user-calls-missed = Missed
user-calls-way = Direction
user-calls-way-incoming = Incoming
user-calls-way-outgoing = Outgoing
user-calls-other = Other party

# Preferences (SPEC U6, U7, U8)
user-prefs-title = Preferences
user-prefs-tab-caller-id = Caller ID
user-prefs-main-number = { $number } (company main number)
user-prefs-admin-only = Only your administrator can change these two settings.
user-prefs-pin-use = This PIN lets you reach your voicemail remotely, by phone.
user-prefs-attach = Attach the audio file (MP3) to the notification e-mail
user-prefs-fwd-hint = Required to turn forwarding on. A French or international number (00 or +).
user-prefs-key-press-hint = You will press 1 to take a forwarded call, so your mobile's voicemail does not take the call when you do not answer.
user-prefs-caller-id-hint = The number the people you call will see.
user-prefs-bad-caller-id = Choose one of the numbers offered.

# Profile (SPEC U9)
user-profile-title = Profile
user-profile-admin-only = Only your administrator can change your name and extension number.
user-profile-email-hint = Voicemail notifications are sent to this address.
user-profile-email-saved = Your e-mail address has been saved.
user-profile-password = Password
user-profile-change-password = Change password
