"""Status enums and their allowed transitions, one module per entity (message, document, fine-tune job).

Every status write goes through its entity's `move(...)`, which builds a conditional UPDATE: the row changes
only when it is still in one of the states the transition may start from, so two processes racing on one row
cannot both win, and a transition the lifecycle does not allow fails loudly where it is written.
"""
