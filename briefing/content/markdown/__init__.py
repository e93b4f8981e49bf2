"""briefing/content/markdown"""
