-- The fact: one row per app visit (a user id and the time it happened).
-- Only facts define "active"; other events stay out of it.
select user_id, event_time
from {{ ref('app_events') }}
where event = 'app_visit'
