"""Applications on top of the library: the command line, parameter sweeps, figures and ``fpesolve reproduce``.

Nothing here is imported by :mod:`fpesolve` itself except the sweep
function; :mod:`fpesolve.apps.plotting` needs matplotlib and is imported on
demand.
"""
