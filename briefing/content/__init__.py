"""briefing/content"""
