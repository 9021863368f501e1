"""The reference strategy as the peer engine backtesting.py (an optional, test-time dependency) writes it.

Used by the cross-check test and the speed benchmark, so both compare against the very same strategy: an SMA
crossover that closes its position, then reverses with all the equity (``n1`` fast, ``n2`` slow bars).
"""

from __future__ import annotations


def backtesting_py_sma_cross():
    """The ``Strategy`` subclass for ``backtesting.Backtest`` (imports backtesting.py when called)."""
    from backtesting import Strategy
    from backtesting.lib import crossover
    from backtesting.test import SMA

    class SmaCross(Strategy):
        n1 = 10
        n2 = 20

        def init(self):
            self.sma1 = self.I(SMA, self.data.Close, self.n1)
            self.sma2 = self.I(SMA, self.data.Close, self.n2)

        def next(self):
            if crossover(self.sma1, self.sma2):
                self.position.close()
                self.buy()
            elif crossover(self.sma2, self.sma1):
                self.position.close()
                self.sell()

    return SmaCross
