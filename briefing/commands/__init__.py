"""briefing/commands"""
