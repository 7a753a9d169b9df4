"""Library of neuron models; each function returns a :class:`bifur.Model`."""
from .fitzhugh_nagumo import fitzhugh_nagumo
from .hodgkin_huxley import hodgkin_huxley
from .morris_lecar import morris_lecar
from .pyramidal import pyramidal5d
from .pyramidal_fit import fit_pyramidal
from .reduced import IZHIKEVICH_CELLS, adex, izhikevich, qif
from .wang_buzsaki import wang_buzsaki

__all__ = ["hodgkin_huxley", "morris_lecar", "wang_buzsaki", "fitzhugh_nagumo", "izhikevich", "qif",
           "adex", "pyramidal5d", "fit_pyramidal", "IZHIKEVICH_CELLS"]
