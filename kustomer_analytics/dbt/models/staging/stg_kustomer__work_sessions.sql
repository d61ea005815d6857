-- Agents' routing work sessions: time signed in and available (milliseconds).
with sessions as (
    {{ kustomer_source('routing_work_sessions', [
        ('id', 'text'), ('user_id', 'text'), ('team_id', 'text'),
        ('signed_in_at', 'timestamp'), ('created_at', 'timestamp'),
        ('total_available__time', 'bigint'), ('handled_conversation_count', 'bigint')]) }}
)

select
    id as work_session_id,
    user_id as agent_id,
    team_id,
    coalesce(signed_in_at, created_at) as started_at,
    total_available__time as available_ms,
    handled_conversation_count
from sessions
