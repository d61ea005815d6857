-- Routed work items: who handled which conversation, for how long (handle.time, milliseconds).
with items as (
    {{ kustomer_source('routing_work_items', [
        ('id', 'text'), ('resource_id', 'text'), ('team_id', 'text'),
        ('handle__user_id', 'text'), ('handle__time', 'bigint'),
        ('handle__accepted_at', 'timestamp'), ('completed_at', 'timestamp'),
        ('created_at', 'timestamp')]) }}
)

select
    id as work_item_id,
    resource_id as conversation_id,
    team_id,
    handle__user_id as agent_id,
    handle__time as handle_ms,
    coalesce(completed_at, handle__accepted_at, created_at) as handled_at
from items
