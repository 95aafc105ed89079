"""Names `vulture` cannot see used: reached only by a framework, a protocol or registry.py's dotted names.

Not imported by anything; `vulture` (configured in pyproject.toml) reads it beside src/bastion. Add a
name here only when something outside Python's call graph uses it, and say what.
"""
# ruff: noqa: B018, F821

from bastion.audit import merkle
from bastion.diligence import admin as diligence_admin
from bastion.diligence.review import ScreeningState
from bastion.gateway import server, workers
from bastion.guard import service as guard_service
from bastion.policy import stage as policy_stage
from bastion.store import db

# registry.py: loaded by "module:attribute" strings.
policy_stage.build_access
policy_stage.build_usage
guard_service.build_input
workers.worker_app  # uvicorn's --factory target (workers.WORKER_APP)

# Framework attributes and callbacks.
server.Server.should_exit  # uvicorn reads it to stop
db._pragmas  # SQLAlchemy "connect" event listener
_.tb  # __exit__'s traceback argument (the context-manager protocol)
_.on_body  # httptools parser callback
_.intra_op_num_threads  # onnxruntime.SessionOptions, read by the runtime
_.inter_op_num_threads
_.execution_mode

# Pydantic request-body fields: read by model_dump(), never by name.
diligence_admin.ProfileIn.legal_name
diligence_admin.ProfileIn.other_names
diligence_admin.ProfileIn.registration_number
diligence_admin.ProfileIn.website
diligence_admin.ProfileIn.use_case

# Stored / wire values of an enum (rows hold them; no code branches on them).
ScreeningState.UNSCREENED

# The RFC 6962 / C2SP API an auditor's tool uses: tested against the published vectors.
merkle.TreeHashes
merkle.tree_root
merkle.verify_consistency
merkle.verify_subtree_inclusion
merkle.verify_subtree_consistency

# store/tables.py imports each owner's table module for its side effect (one metadata for Alembic).
bastion
