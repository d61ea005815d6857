-- One row per message the dataset holds (deleted ones flagged): its direction, when it was sent,
-- whether an automation sent it, and the agent and team it counts for.
with messages as (
    {{ kustomer_source('messages', [
        ('id', 'text'), ('_dlt_id', 'text'), ('conversation_id', 'text'),
        ('direction', 'text'), ('auto', 'bool'), ('channel', 'text'),
        ('created_at', 'timestamp'), ('sent_at', 'timestamp'), ('created_by_id', 'text'),
        ('deleted', 'bool'), ('_kustomer_deleted_at', 'timestamp'),
    ]) }}
),

assigned_users as (
    {{ kustomer_source('messages__assigned_users', [
        ('value', 'text'), ('_dlt_parent_id', 'text'), ('_dlt_list_idx', 'bigint')]) }}
),

assigned_teams as (
    {{ kustomer_source('messages__assigned_teams', [
        ('value', 'text'), ('_dlt_parent_id', 'text'), ('_dlt_list_idx', 'bigint')]) }}
)

select
    m.id as message_id,
    m.conversation_id,
    m.direction,
    coalesce(m.auto, false) as is_auto,
    m.channel,
    m.created_at,
    coalesce(m.sent_at, m.created_at) as sent_at,
    (m.direction = 'out' and not coalesce(m.auto, false)) as is_agent_reply,
    (m.direction = 'in') as is_customer_message,
    coalesce(m.created_by_id, u.value) as agent_id,
    t.value as team_id,
    (coalesce(m.deleted, false) or m._kustomer_deleted_at is not null) as is_deleted
from messages as m
left join assigned_users as u on u._dlt_parent_id = m._dlt_id and u._dlt_list_idx = 0
left join assigned_teams as t on t._dlt_parent_id = m._dlt_id and t._dlt_list_idx = 0
