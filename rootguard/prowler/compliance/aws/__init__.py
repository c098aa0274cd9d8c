"""The framework in Prowler's legacy ``Compliance`` form, for the ``prowler.compliance`` entry point ``aws``.

Prowler reads every ``.json`` file of this folder (the file name is the ``--compliance`` choice); generated.
"""
