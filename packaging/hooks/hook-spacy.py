"""spaCy for the frozen app: pyinstaller-hooks-contrib's hook, without spaCy's test suite.

spaCy imports most of itself lazily (languages, pipeline components, registered functions),
so every submodule is bundled, as the contrib hook does; its tests are not (they are most of
the "hidden import not found" noise and none of the app).
"""

from PyInstaller.utils.hooks import collect_data_files, collect_submodules

datas = collect_data_files("spacy", excludes=["**/tests/**"])
hiddenimports = collect_submodules("spacy", filter=lambda name: ".tests" not in name)
