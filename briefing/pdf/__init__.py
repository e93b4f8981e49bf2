"""briefing/pdf"""
