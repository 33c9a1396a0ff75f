"""The generic SWF runtime over boto3: client, registration, decider and worker loops."""
