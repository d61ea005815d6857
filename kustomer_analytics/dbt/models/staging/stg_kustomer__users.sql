-- Users (agents) with the name to show.
with users as (
    {{ kustomer_source('users', [
        ('id', 'text'), ('name', 'text'), ('display_name', 'text'), ('user_type', 'text')]) }}
)

select id as user_id, coalesce(display_name, name, id) as user_name, user_type
from users
