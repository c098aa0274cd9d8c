"""Where Prowler finds rootguard's checks once rootguard is installed (entry-point group ``prowler.checks.aws``).

Prowler resolves an entry-point check by a module path containing ``.services.<service>.``. The packages
``rootguard.prowler_checks.services.<service>.<check_id>`` are the folders of ``checks/`` themselves, mapped
by ``package_dir`` in setup.cfg: nothing is duplicated and nothing is copied into Prowler.
"""
