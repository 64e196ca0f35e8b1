//! The prompts the mailbox menu names, from Debian's
//! `asterisk-core-sounds-{fr,en}-wav` (each exists in both languages).
//! What each says (in English) decides the key that does it: the menu
//! never announces a key it does not honour.

/// "Password."
pub const PASSWORD: &str = "vm-password";
/// "Login incorrect."
pub const INCORRECT: &str = "vm-incorrect";
/// "Goodbye."
pub const GOODBYE: &str = "vm-goodbye";
/// "I'm sorry, I did not understand your response."
pub const SORRY: &str = "vm-sorry";
/// "You have"
pub const YOU_HAVE: &str = "vm-youhave";
/// "no"
pub const NO: &str = "vm-no";
/// "new"
pub const NEW: &str = "vm-INBOX";
/// "old"
pub const OLD: &str = "vm-Old";
/// "and"
pub const AND: &str = "vm-and";
/// "message"
pub const MESSAGE: &str = "vm-message";
/// "messages"
pub const MESSAGES: &str = "vm-messages";
/// "first"
pub const FIRST: &str = "vm-first";
/// "last"
pub const LAST: &str = "vm-last";
/// "Press 1 for"
pub const ONE_FOR: &str = "vm-onefor";
/// "Press 2 to change folders, press 3 for advanced options, press 0 for
/// mailbox options."
pub const MAIN_OPTIONS: &str = "vm-opts";
/// "Press star for help or pound to exit."
pub const HELP_EXIT: &str = "vm-helpexit";
/// "Change to which folder?"
pub const CHANGE_TO: &str = "vm-changeto";
/// "Press"
pub const PRESS: &str = "vm-press";
/// "for"
pub const FOR: &str = "vm-for";
/// "or pound to cancel."
pub const POUND_CANCELS: &str = "vm-tocancel";
/// "Press 4 for the previous message."
pub const PREVIOUS: &str = "vm-prev";
/// "Press 3 for advanced options."
pub const ADVANCED: &str = "vm-advopts";
/// "Press 5 to repeat the current message."
pub const REPEAT: &str = "vm-repeat";
/// "Press 6 to play the next message."
pub const NEXT: &str = "vm-next";
/// "Press 7 to delete this message"
pub const DELETE: &str = "vm-delete";
/// "or 9 to save this message."
pub const SAVE: &str = "vm-savemessage";
/// "Press star to return to the main menu."
pub const STAR_MAIN: &str = "vm-starmain";
/// "Message deleted."
pub const DELETED: &str = "vm-deleted";
/// "saved"
pub const SAVED: &str = "vm-saved";
/// "No more messages."
pub const NO_MORE: &str = "vm-nomore";
/// "Press 2 to call the person who sent this message."
pub const CALL_BACK: &str = "vm-tocallback";
/// "Press 3 to hear the message envelope."
pub const ENVELOPE: &str = "vm-tohearenv";
/// "from phone number"
pub const FROM_NUMBER: &str = "vm-from-phonenumber";
/// "from an unknown caller"
pub const UNKNOWN_CALLER: &str = "vm-unknown-caller";
/// "Your call cannot be completed as dialed."
pub const CANNOT_CALL: &str = "cannot-complete-as-dialed";
/// "Press 1 to record your unavailable message, press 2 to record your
/// busy message, press 3 to record your name, press 4 to record your
/// temporary greeting, press 5 to change your password, press star to
/// return to the main menu."
pub const MAILBOX_OPTIONS: &str = "vm-options";
/// "After the tone, say your unavailable message, then press pound."
pub const RECORD_UNAVAILABLE: &str = "vm-rec-unv";
/// "After the tone, say your busy message, then press pound."
pub const RECORD_BUSY: &str = "vm-rec-busy";
/// "After the tone, say your temporary greeting, then press pound."
pub const RECORD_TEMPORARY: &str = "vm-rec-temp";
/// "After the tone, say your name, then press pound."
pub const RECORD_NAME: &str = "vm-rec-name";
/// "Press 1 to accept this recording, press 2 to listen to it, press 3 to
/// re-record your message."
pub const REVIEW: &str = "vm-review";
/// "Your message has been saved."
pub const RECORDING_SAVED: &str = "vm-msgsaved";
/// "Your message is too short."
pub const TOO_SHORT: &str = "vm-tooshort";
/// "Please enter your new password followed by the pound key."
pub const NEW_PASSWORD: &str = "vm-newpassword";
/// "Please re-enter your password followed by the pound key."
pub const REENTER_PASSWORD: &str = "vm-reenterpassword";
/// "The passwords you entered and re-entered did not match."
pub const MISMATCH: &str = "vm-mismatch";
/// "That password does not meet the minimum requirements."
pub const PASSWORD_INVALID: &str = "vm-invalid-password";
/// "Your password has been changed."
pub const PASSWORD_CHANGED: &str = "vm-passchanged";
/// The digits the folder menu names.
pub const DIGIT_0: &str = "digits/0";
/// See [`DIGIT_0`].
pub const DIGIT_1: &str = "digits/1";

/// Every prompt above, for the test that checks both languages have it.
pub const ALL: &[&str] = &[
    PASSWORD,
    INCORRECT,
    GOODBYE,
    SORRY,
    YOU_HAVE,
    NO,
    NEW,
    OLD,
    AND,
    MESSAGE,
    MESSAGES,
    FIRST,
    LAST,
    ONE_FOR,
    MAIN_OPTIONS,
    HELP_EXIT,
    CHANGE_TO,
    PRESS,
    FOR,
    POUND_CANCELS,
    PREVIOUS,
    ADVANCED,
    REPEAT,
    NEXT,
    DELETE,
    SAVE,
    STAR_MAIN,
    DELETED,
    SAVED,
    NO_MORE,
    CALL_BACK,
    ENVELOPE,
    FROM_NUMBER,
    UNKNOWN_CALLER,
    CANNOT_CALL,
    MAILBOX_OPTIONS,
    RECORD_UNAVAILABLE,
    RECORD_BUSY,
    RECORD_TEMPORARY,
    RECORD_NAME,
    REVIEW,
    RECORDING_SAVED,
    TOO_SHORT,
    NEW_PASSWORD,
    REENTER_PASSWORD,
    MISMATCH,
    PASSWORD_INVALID,
    PASSWORD_CHANGED,
    DIGIT_0,
    DIGIT_1,
];
