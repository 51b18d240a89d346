"""The appeal registry: questions, applications, complaints and feedback from kiosks and staff."""
