"""People and the human review of faces: contacts, the review queue, completing parked tasks."""
