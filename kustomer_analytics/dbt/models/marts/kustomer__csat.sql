-- One row per rated conversation (spam left out): the rating normalized to 1-5 and whether it is
-- positive (4 or 5). CSAT, as Kustomer reports it, is 100 x positive / rated.
select
    conversation_id,
    coalesce(last_resolved_at, created_at) as rated_for_at,
    {{ kustomer_utc_date('coalesce(last_resolved_at, created_at)') }} as day,
    satisfaction_rating_raw as rating_raw,
    satisfaction_rating as rating,
    is_satisfied as is_positive,
    channel,
    coalesce(team_id, '(no team)') as team_id,
    coalesce(team_name, '(no team)') as team_name,
    coalesce(resolved_by_id, assignee_id) as agent_id
from {{ ref('kustomer__conversation_metrics') }}
where is_rated and not is_spam
