"""Files and photos of a case: the policy, the checks on an upload, the object store."""
