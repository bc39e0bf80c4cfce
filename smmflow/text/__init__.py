"""Stage 1, text: what a post's words become and how they are counted and shown.

Rendering (`render`), each platform's way of counting (`count`), characters refused
wherever people read text (`guard`), escaping for pages (`escape`), the headline of a post
(`headline`). Pure functions of strings; nothing here knows a platform or a file.
"""
