# The user portal beyond sign-in (SPEC U4, U6-U9).
tab-voicemail = Voicemail
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

# Click to call (SPEC U2)
click-title = Call
click-destination = Number to call
click-destination-hint = An extension, a French number or an international one (00 or +). Your phone rings first; answer it and the call goes out.
click-call = Call
click-call-back = Call back
click-call-back-label = Call { $number } back
click-empty = Enter the number to call.
click-invalid = This is neither an extension (2 to 6 digits), a French number (0 and 9 digits) nor an international one (00 or +).
click-live-title = Call to { $number }
click-back = Back to the call log
click-again = Call again
click-refresh = Refresh
click-step-you = Your phone
click-step-dialling = Dialling
click-step-ringing = Ringing
click-step-connected = Talking
click-calling-you = Your phone is ringing…
click-calling-you-detail = Answer it to call { $number }.
click-dialling = Calling { $number }…
click-dialling-detail = Stay on the line while the number is dialled.
click-ringing = Ringing…
click-ringing-detail = { $number } is ringing.
click-connected = Connected
click-connected-detail = You are talking to { $number }.
click-end-no-phone = No phone registered
click-end-no-phone-detail = None of your phones is registered with the switch, so { $number } was not called. Check that your phone is plugged in, then try again.
click-end-you-did-not-answer = You did not answer
click-end-you-did-not-answer-detail = Your phone rang without an answer, so { $number } was not called.
click-end-busy = Busy
click-end-busy-detail = { $number } is already on a call. Try again later.
click-end-no-answer = No answer
click-end-no-answer-detail = { $number } did not answer.
click-end-failed = Call failed
click-end-failed-detail = { $number } could not be reached.
click-end-hung-up = Call ended
click-end-hung-up-detail = Your call with { $number } has ended.
click-lost = Call not found
click-lost-detail = The switch no longer follows the call to { $number } (it may have restarted).
click-unavailable = Calling unavailable
click-unavailable-detail = The switch cannot place the call to { $number } right now. Try again in a few minutes.
click-unavailable-form = The switch cannot place calls right now. Try again in a few minutes.

# Voicemail messages (SPEC U3)
voicemail-title = Voicemail
voicemail-count-new = New messages
voicemail-count-saved = Saved messages
voicemail-messages = Messages
voicemail-none = No messages yet.
voicemail-new = New
voicemail-withheld = Withheld number
voicemail-received = Received
voicemail-duration = Length
voicemail-player = Play the message
voicemail-mark-heard = Mark as heard
voicemail-mark-new = Mark as new
voicemail-download = Download (MP3)
voicemail-delete = Delete
voicemail-delete-title = Delete the message
voicemail-delete-question = Delete the message from { $caller }?
voicemail-delete-hint = The message and its recording will be erased for good.
voicemail-delete-confirm = Delete the message
voicemail-deleted = The message was deleted.
voicemail-unavailable = Voicemail is unavailable right now. Try again in a few minutes.
voicemail-new-hint = Playing a message marks it as heard.
