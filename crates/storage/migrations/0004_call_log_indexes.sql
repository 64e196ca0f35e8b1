-- The call logs with a million records per account (issue 5): every log
-- query is "this account's calls, newest first, maybe one extension's, maybe
-- one direction", ordered by (started_at, id). Each index ends with
-- (started_at, id) so the newest page is read straight off it, without a
-- sort, however many rows the account has.
DROP INDEX call_records_account_started;
CREATE INDEX call_records_account_started ON call_records (account_id, started_at, id);
CREATE INDEX call_records_account_direction ON call_records (account_id, direction, started_at, id);
-- A user's log: the calls they made, and the calls they received.
CREATE INDEX call_records_caller_extension ON call_records (account_id, caller_extension, started_at, id);
CREATE INDEX call_records_callee_extension ON call_records (account_id, callee_extension, started_at, id);
