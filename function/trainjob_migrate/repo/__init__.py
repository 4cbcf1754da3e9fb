"""Offline conversion of manifest repositories: files, documents, positions, minimal rewrites."""
