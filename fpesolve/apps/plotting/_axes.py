"""Axes for the figure functions: an existing one, or a new pyplot figure."""


def _figure_and_axes(ax, figsize=(6.4, 4.0)):
    if ax is None:
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=figsize)
        return fig, ax
    return ax.figure, ax
