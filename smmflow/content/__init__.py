"""Stage 3, content: schedules/ and content/ read into frozen dataclasses, every problem
with its line.

YAML and front matter (`yamlread`), typed fields (`fields`), times (`timeparse`), file
names (`safenames`), groups, posts and media, the whole repository (`repo`) with its
cache and parallel loading.
"""
