"""GroupSequential against rpact, published tables and its own properties."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from abkit.errors import ParameterError
from abkit.stats import crossing
from abkit.stats.sequential import GroupSequential

# Reference values: R 4.2.2, rpact 3.3.4 (Debian r-cran-rpact). For each row the R call is pasted above it; the
# numbers are, in order,
#   d <- getDesignGroupSequential(<call>, beta = 0.2); d$criticalValues; d$alphaSpent
#   getDesignCharacteristics(d)$inflationFactor                                   (power 0.8)
#   getDesignCharacteristics(getDesignGroupSequential(<call>, beta = 0.1))$inflationFactor   (power 0.9)
# printed with sprintf("%.10f"). rpact solves to tolerance 1e-8 (its last alphaSpent reads 0.0249999900).
RPACT = [
    # getDesignGroupSequential(kMax=2, alpha=0.025, sided=1, typeOfDesign="OF")
    (
        dict(looks=2, alpha=0.025, sides=1, boundary="obrien-fleming"),
        [2.7965096815, 1.9774309594],
        [0.0025828932, 0.0249999900],
        1.0077862550,
        1.0071264096,
    ),
    # getDesignGroupSequential(kMax=2, alpha=0.025, sided=1, typeOfDesign="P")
    (
        dict(looks=2, alpha=0.025, sides=1, boundary="pocock"),
        [2.1782720948, 2.1782720948],
        [0.0146928927, 0.0249999900],
        1.1104126277,
        1.1000824904,
    ),
    # getDesignGroupSequential(kMax=2, alpha=0.025, sided=1, typeOfDesign="asOF")
    (
        dict(looks=2, alpha=0.025, sides=1, spending="obrien-fleming"),
        [2.9625880427, 1.9685956463],
        [0.0015253228, 0.0249999900],
        1.0037250300,
        1.0034179384,
    ),
    # getDesignGroupSequential(kMax=2, alpha=0.025, sided=1, typeOfDesign="asP")
    (
        dict(looks=2, alpha=0.025, sides=1, spending="pocock"),
        [2.1569992183, 2.2009769753],
        [0.0155028627, 0.0249999900],
        1.1225502249,
        1.1110465880,
    ),
    # getDesignGroupSequential(kMax=2, alpha=0.025, sided=1, typeOfDesign="asHSD", gammaA=-4)
    (
        dict(looks=2, alpha=0.025, sides=1, spending="hwang-shih-decani", gamma=-4),
        [2.7499659318, 1.9811314717],
        [0.0029800731, 0.0249999900],
        1.0095213880,
        1.0087083304,
    ),
    # getDesignGroupSequential(kMax=2, alpha=0.025, sided=1, typeOfDesign="asHSD", gammaA=1)
    (
        dict(looks=2, alpha=0.025, sides=1, spending="hwang-shih-decani", gamma=1),
        [2.1554969562, 2.2026965991],
        [0.0155614833, 0.0249999900],
        1.1234721701,
        1.1118793206,
    ),
    # getDesignGroupSequential(kMax=2, alpha=0.025, sided=1, typeOfDesign="asKD", gammaA=3)
    (
        dict(looks=2, alpha=0.025, sides=1, spending="kim-demets", rho=3),
        [2.7343687865, 1.9825289920],
        [0.0031250000, 0.0250000000],
        1.0101807180,
        1.0093091465,
    ),
    # getDesignGroupSequential(kMax=2, alpha=0.025, sided=1, typeOfDesign="asKD", gammaA=1.5)
    (
        dict(looks=2, alpha=0.025, sides=1, spending="kim-demets", rho=1.5),
        [2.3723012797, 2.0561538413],
        [0.0088388348, 0.0249999900],
        1.0465964631,
        1.0423695386,
    ),
    # getDesignGroupSequential(kMax=2, alpha=0.05, sided=2, typeOfDesign="OF")
    (
        dict(looks=2, alpha=0.05, sides=2, boundary="obrien-fleming"),
        [2.7965096813, 1.9774309593],
        [0.0051657863, 0.0499999900],
        1.0077862551,
        1.0071264097,
    ),
    # getDesignGroupSequential(kMax=2, alpha=0.05, sided=2, typeOfDesign="P")
    (
        dict(looks=2, alpha=0.05, sides=2, boundary="pocock"),
        [2.1782720888, 2.1782720888],
        [0.0293857859, 0.0499999900],
        1.1104126347,
        1.1000824975,
    ),
    # getDesignGroupSequential(kMax=2, alpha=0.05, sided=2, typeOfDesign="asOF")
    (
        dict(looks=2, alpha=0.05, sides=2, spending="obrien-fleming"),
        [2.9625880427, 1.9685956463],
        [0.0030506455, 0.0499999900],
        1.0037250300,
        1.0034179384,
    ),
    # getDesignGroupSequential(kMax=2, alpha=0.05, sided=2, typeOfDesign="asP")
    (
        dict(looks=2, alpha=0.05, sides=2, spending="pocock"),
        [2.1569992183, 2.2009769604],
        [0.0310057253, 0.0499999900],
        1.1225502274,
        1.1110465912,
    ),
    # getDesignGroupSequential(kMax=2, alpha=0.05, sided=2, typeOfDesign="asHSD", gammaA=-4)
    (
        dict(looks=2, alpha=0.05, sides=2, spending="hwang-shih-decani", gamma=-4),
        [2.7499659318, 1.9811314717],
        [0.0059601461, 0.0499999900],
        1.0095213883,
        1.0087083307,
    ),
    # getDesignGroupSequential(kMax=2, alpha=0.05, sided=2, typeOfDesign="asHSD", gammaA=1)
    (
        dict(looks=2, alpha=0.05, sides=2, spending="hwang-shih-decani", gamma=1),
        [2.1554969562, 2.2026965842],
        [0.0311229666, 0.0499999900],
        1.1234721726,
        1.1118793238,
    ),
    # getDesignGroupSequential(kMax=2, alpha=0.05, sided=2, typeOfDesign="asKD", gammaA=3)
    (
        dict(looks=2, alpha=0.05, sides=2, spending="kim-demets", rho=3),
        [2.7343687865, 1.9825289920],
        [0.0062500000, 0.0500000000],
        1.0101807184,
        1.0093091468,
    ),
    # getDesignGroupSequential(kMax=2, alpha=0.05, sided=2, typeOfDesign="asKD", gammaA=1.5)
    (
        dict(looks=2, alpha=0.05, sides=2, spending="kim-demets", rho=1.5),
        [2.3723012797, 2.0561538264],
        [0.0176776695, 0.0500000000],
        1.0465964575,
        1.0423695341,
    ),
    # getDesignGroupSequential(kMax=3, alpha=0.025, sided=1, typeOfDesign="OF")
    (
        dict(looks=3, alpha=0.025, sides=1, boundary="obrien-fleming"),
        [3.4710914447, 2.4544322986, 2.0040355800],
        [0.0002591737, 0.0071600594, 0.0249999900],
        1.0174062244,
        1.0161007093,
    ),
    # getDesignGroupSequential(kMax=3, alpha=0.025, sided=1, typeOfDesign="P")
    (
        dict(looks=3, alpha=0.025, sides=1, boundary="pocock"),
        [2.2894784565, 2.2894784565, 2.2894784565],
        [0.0110257841, 0.0189688785, 0.0249999900],
        1.1663860642,
        1.1506380737,
    ),
    # getDesignGroupSequential(kMax=3, alpha=0.025, sided=1, typeOfDesign="asOF")
    (
        dict(looks=3, alpha=0.025, sides=1, spending="obrien-fleming"),
        [3.7103028733, 2.5114274845, 1.9930474833],
        [0.0001035057, 0.0060483891, 0.0249999900],
        1.0127948127,
        1.0118527633,
    ),
    # getDesignGroupSequential(kMax=3, alpha=0.025, sided=1, typeOfDesign="asP")
    (
        dict(looks=3, alpha=0.025, sides=1, spending="pocock"),
        [2.2794282389, 2.2949111387, 2.2959395871],
        [0.0113208106, 0.0190845628, 0.0249999900],
        1.1704193721,
        1.1542201886,
    ),
    # getDesignGroupSequential(kMax=3, alpha=0.025, sided=1, typeOfDesign="asHSD", gammaA=-4)
    (
        dict(looks=3, alpha=0.025, sides=1, spending="hwang-shih-decani", gamma=-4),
        [3.0107394854, 2.5465305522, 1.9992263541],
        [0.0013030617, 0.0062464451, 0.0249999900],
        1.0165431977,
        1.0151970403,
    ),
    # getDesignGroupSequential(kMax=3, alpha=0.025, sided=1, typeOfDesign="asHSD", gammaA=1)
    (
        dict(looks=3, alpha=0.025, sides=1, spending="hwang-shih-decani", gamma=1),
        [2.2831413559, 2.2844412550, 2.3012553677],
        [0.0112110216, 0.0192440695, 0.0249999900],
        1.1724356811,
        1.1561229483,
    ),
    # getDesignGroupSequential(kMax=3, alpha=0.025, sided=1, typeOfDesign="asKD", gammaA=3)
    (
        dict(looks=3, alpha=0.025, sides=1, spending="kim-demets", rho=3),
        [3.1130172634, 2.4619340226, 2.0087052807],
        [0.0009259259, 0.0074074073, 0.0250000000],
        1.0199633848,
        1.0184001723,
    ),
    # getDesignGroupSequential(kMax=3, alpha=0.025, sided=1, typeOfDesign="asKD", gammaA=1.5)
    (
        dict(looks=3, alpha=0.025, sides=1, spending="kim-demets", rho=1.5),
        [2.5891075177, 2.3063306138, 2.1127058789],
        [0.0048112522, 0.0136082764, 0.0250000000],
        1.0704854466,
        1.0643168372,
    ),
    # getDesignGroupSequential(kMax=3, alpha=0.05, sided=2, typeOfDesign="OF")
    (
        dict(looks=3, alpha=0.05, sides=2, boundary="obrien-fleming"),
        [3.4710914423, 2.4544322970, 2.0040355786],
        [0.0005183475, 0.0143201189, 0.0499999900],
        1.0174062249,
        1.0161007099,
    ),
    # getDesignGroupSequential(kMax=3, alpha=0.05, sided=2, typeOfDesign="P")
    (
        dict(looks=3, alpha=0.05, sides=2, boundary="pocock"),
        [2.2894780610, 2.2894780610, 2.2894780610],
        [0.0220515912, 0.0379377949, 0.0499999900],
        1.1663871461,
        1.1506392291,
    ),
    # getDesignGroupSequential(kMax=3, alpha=0.05, sided=2, typeOfDesign="asOF")
    (
        dict(looks=3, alpha=0.05, sides=2, spending="obrien-fleming"),
        [3.7103028733, 2.5114274845, 1.9930474833],
        [0.0002070114, 0.0120967782, 0.0499999900],
        1.0127948130,
        1.0118527635,
    ),
    # getDesignGroupSequential(kMax=3, alpha=0.05, sided=2, typeOfDesign="asP")
    (
        dict(looks=3, alpha=0.05, sides=2, spending="pocock"),
        [2.2794282389, 2.2949111387, 2.2959383503],
        [0.0226416213, 0.0381691255, 0.0500000000],
        1.1704200775,
        1.1542210100,
    ),
    # getDesignGroupSequential(kMax=3, alpha=0.05, sided=2, typeOfDesign="asHSD", gammaA=-4)
    (
        dict(looks=3, alpha=0.05, sides=2, spending="hwang-shih-decani", gamma=-4),
        [3.0107394854, 2.5465305522, 1.9992263243],
        [0.0026061234, 0.0124928903, 0.0500000000],
        1.0165432146,
        1.0151970593,
    ),
    # getDesignGroupSequential(kMax=3, alpha=0.05, sided=2, typeOfDesign="asHSD", gammaA=1)
    (
        dict(looks=3, alpha=0.05, sides=2, spending="hwang-shih-decani", gamma=1),
        [2.2831413559, 2.2844412550, 2.3012541756],
        [0.0224220432, 0.0384881389, 0.0499999900],
        1.1724363642,
        1.1561237430,
    ),
    # getDesignGroupSequential(kMax=3, alpha=0.05, sided=2, typeOfDesign="asKD", gammaA=3)
    (
        dict(looks=3, alpha=0.05, sides=2, spending="kim-demets", rho=3),
        [3.1130172634, 2.4619340226, 2.0087052658],
        [0.0018518519, 0.0148148147, 0.0500000000],
        1.0199633928,
        1.0184001813,
    ),
    # getDesignGroupSequential(kMax=3, alpha=0.05, sided=2, typeOfDesign="asKD", gammaA=1.5)
    (
        dict(looks=3, alpha=0.05, sides=2, spending="kim-demets", rho=1.5),
        [2.5891075177, 2.3063306138, 2.1127055511],
        [0.0096225045, 0.0272165528, 0.0500000000],
        1.0704856283,
        1.0643170465,
    ),
    # getDesignGroupSequential(kMax=4, alpha=0.025, sided=1, typeOfDesign="OF")
    (
        dict(looks=4, alpha=0.025, sides=1, boundary="obrien-fleming"),
        [4.0485910073, 2.8627861555, 2.3374551079, 2.0242955037],
        [0.0000257634, 0.0021103468, 0.0104558937, 0.0249999900],
        1.0238464579,
        1.0221630404,
    ),
    # getDesignGroupSequential(kMax=4, alpha=0.025, sided=1, typeOfDesign="P")
    (
        dict(looks=4, alpha=0.025, sides=1, boundary="pocock"),
        [2.3612996647, 2.3612996647, 2.3612996647, 2.3612996647],
        [0.0091055042, 0.0157728966, 0.0208773203, 0.0249999900],
        1.2024690713,
        1.1831343682,
    ),
    # getDesignGroupSequential(kMax=4, alpha=0.025, sided=1, typeOfDesign="asOF")
    (
        dict(looks=4, alpha=0.025, sides=1, spending="obrien-fleming"),
        [4.3326336460, 2.9631315991, 2.3590442762, 2.0140901431],
        [0.0000073668, 0.0015253228, 0.0096493251, 0.0250000000],
        1.0196373292,
        1.0182800171,
    ),
    # getDesignGroupSequential(kMax=4, alpha=0.025, sided=1, typeOfDesign="asP")
    (
        dict(looks=4, alpha=0.025, sides=1, spending="pocock"),
        [2.3683277035, 2.3675242886, 2.3581683114, 2.3500359729],
        [0.0089343505, 0.0155028628, 0.0206997235, 0.0249999900],
        1.1963053775,
        1.1775869744,
    ),
    # getDesignGroupSequential(kMax=4, alpha=0.025, sided=1, typeOfDesign="asHSD", gammaA=-4)
    (
        dict(looks=4, alpha=0.025, sides=1, spending="hwang-shih-decani", gamma=-4),
        [3.1553730327, 2.8183471486, 2.4391318038, 2.0136473253],
        [0.0008014651, 0.0029800731, 0.0089021434, 0.0250000000],
        1.0216047218,
        1.0199041271,
    ),
    # getDesignGroupSequential(kMax=4, alpha=0.025, sided=1, typeOfDesign="asHSD", gammaA=1)
    (
        dict(looks=4, alpha=0.025, sides=1, spending="hwang-shih-decani", gamma=1),
        [2.3761025272, 2.3571322784, 2.3499011919, 2.3574685380],
        [0.0087483002, 0.0155614832, 0.0208675957, 0.0250000000],
        1.1989584609,
        1.1801118416,
    ),
    # getDesignGroupSequential(kMax=4, alpha=0.025, sided=1, typeOfDesign="asKD", gammaA=3)
    (
        dict(looks=4, alpha=0.025, sides=1, spending="kim-demets", rho=3),
        [3.3593537179, 2.7603970245, 2.3593634143, 2.0293006673],
        [0.0003906250, 0.0031250000, 0.0105468750, 0.0250000000],
        1.0269474138,
        1.0249323084,
    ),
    # getDesignGroupSequential(kMax=4, alpha=0.025, sided=1, typeOfDesign="asKD", gammaA=1.5)
    (
        dict(looks=4, alpha=0.025, sides=1, spending="kim-demets", rho=1.5),
        [2.7343687865, 2.4708590135, 2.2934717312, 2.1491525695],
        [0.0031250000, 0.0088388347, 0.0162379764, 0.0250000000],
        1.0847130269,
        1.0774480736,
    ),
    # getDesignGroupSequential(kMax=4, alpha=0.05, sided=2, typeOfDesign="OF")
    (
        dict(looks=4, alpha=0.05, sides=2, boundary="obrien-fleming"),
        [4.0485909994, 2.8627861499, 2.3374551034, 2.0242954997],
        [0.0000515269, 0.0042206937, 0.0209117878, 0.0499999900],
        1.0238464558,
        1.0221630385,
    ),
    # getDesignGroupSequential(kMax=4, alpha=0.05, sided=2, typeOfDesign="P")
    (
        dict(looks=4, alpha=0.05, sides=2, boundary="pocock"),
        [2.3612978911, 2.3612978911, 2.3612978911, 2.3612978911],
        [0.0182110955, 0.0315459388, 0.0417548079, 0.0499999900],
        1.2024761575,
        1.1831422270,
    ),
    # getDesignGroupSequential(kMax=4, alpha=0.05, sided=2, typeOfDesign="asOF")
    (
        dict(looks=4, alpha=0.05, sides=2, spending="obrien-fleming"),
        [4.3326336460, 2.9631315991, 2.3590442911, 2.0140901431],
        [0.0000147336, 0.0030506455, 0.0192986496, 0.0499999900],
        1.0196373305,
        1.0182800180,
    ),
    # getDesignGroupSequential(kMax=4, alpha=0.05, sided=2, typeOfDesign="asP")
    (
        dict(looks=4, alpha=0.05, sides=2, spending="pocock"),
        [2.3683277035, 2.3675242886, 2.3581677452, 2.3500295356],
        [0.0178687010, 0.0310057256, 0.0413994468, 0.0499999900],
        1.1963100508,
        1.1775926181,
    ),
    # getDesignGroupSequential(kMax=4, alpha=0.05, sided=2, typeOfDesign="asHSD", gammaA=-4)
    (
        dict(looks=4, alpha=0.05, sides=2, spending="hwang-shih-decani", gamma=-4),
        [3.1553730327, 2.8183471486, 2.4391318038, 2.0136471614],
        [0.0016029302, 0.0059601462, 0.0178042868, 0.0499999900],
        1.0216048382,
        1.0199042628,
    ),
    # getDesignGroupSequential(kMax=4, alpha=0.05, sided=2, typeOfDesign="asHSD", gammaA=1)
    (
        dict(looks=4, alpha=0.05, sides=2, spending="hwang-shih-decani", gamma=1),
        [2.3761025272, 2.3571322784, 2.3499006405, 2.3574623987],
        [0.0174966004, 0.0311229663, 0.0417351910, 0.0499999900],
        1.1989628775,
        1.1801171774,
    ),
    # getDesignGroupSequential(kMax=4, alpha=0.05, sided=2, typeOfDesign="asKD", gammaA=3)
    (
        dict(looks=4, alpha=0.05, sides=2, spending="kim-demets", rho=3),
        [3.3593537179, 2.7603970245, 2.3593634143, 2.0293006226],
        [0.0007812500, 0.0062500000, 0.0210937500, 0.0499999900],
        1.0269474472,
        1.0249323465,
    ),
    # getDesignGroupSequential(kMax=4, alpha=0.05, sided=2, typeOfDesign="asKD", gammaA=1.5)
    (
        dict(looks=4, alpha=0.05, sides=2, spending="kim-demets", rho=1.5),
        [2.7343687865, 2.4708590135, 2.2934716716, 2.1491511390],
        [0.0062500000, 0.0176776694, 0.0324759525, 0.0500000000],
        1.0847140036,
        1.0774492405,
    ),
    # getDesignGroupSequential(kMax=5, alpha=0.025, sided=1, typeOfDesign="OF")
    (
        dict(looks=5, alpha=0.025, sides=1, boundary="obrien-fleming"),
        [4.5617423272, 3.2256389336, 2.6337231606, 2.2808711636, 2.0400731879],
        [0.0000025365, 0.0006295299, 0.0044518060, 0.0127922989, 0.0249999900],
        1.0284109782,
        1.0264863118,
    ),
    # getDesignGroupSequential(kMax=5, alpha=0.025, sided=1, typeOfDesign="P")
    (
        dict(looks=5, alpha=0.025, sides=1, boundary="pocock"),
        [2.4131802871, 2.4131802871, 2.4131802871, 2.4131802871, 2.4131802871],
        [0.0079069975, 0.0137628398, 0.0182721352, 0.0219272528, 0.0250000000],
        1.2285727224,
        1.2065805295,
    ),
    # getDesignGroupSequential(kMax=5, alpha=0.025, sided=1, typeOfDesign="asOF")
    (
        dict(looks=5, alpha=0.025, sides=1, spending="obrien-fleming"),
        [4.8768849488, 3.3570119217, 2.6802800670, 2.2898167744, 2.0310320631],
        [0.0000005389, 0.0003941518, 0.0038080633, 0.0122117902, 0.0249999900],
        1.0247198915,
        1.0230783374,
    ),
    # getDesignGroupSequential(kMax=5, alpha=0.025, sided=1, typeOfDesign="asP")
    (
        dict(looks=5, alpha=0.025, sides=1, spending="pocock"),
        [2.4379766881, 2.4268138632, 2.4101941362, 2.3966492936, 2.3859997019],
        [0.0073848632, 0.0130784290, 0.0177128268, 0.0216209931, 0.0250000000],
        1.2126130991,
        1.1923317168,
    ),
    # getDesignGroupSequential(kMax=5, alpha=0.025, sided=1, typeOfDesign="asHSD", gammaA=-4)
    (
        dict(looks=5, alpha=0.025, sides=1, spending="hwang-shih-decani", gamma=-4),
        [3.2526684884, 2.9860459492, 2.6916574463, 2.3736669943, 2.0253214166],
        [0.0005716340, 0.0018438287, 0.0046751503, 0.0109763723, 0.0250000000],
        1.0253889663,
        1.0234399329,
    ),
    # getDesignGroupSequential(kMax=5, alpha=0.025, sided=1, typeOfDesign="asHSD", gammaA=1)
    (
        dict(looks=5, alpha=0.025, sides=1, spending="hwang-shih-decani", gamma=1),
        [2.4486772497, 2.4189847037, 2.3983817026, 2.3912340626, 2.3947734013],
        [0.0071690932, 0.0130386502, 0.0178442369, 0.0217787189, 0.0250000000],
        1.2156613278,
        1.1952424497,
    ),
    # getDesignGroupSequential(kMax=5, alpha=0.025, sided=1, typeOfDesign="asKD", gammaA=3)
    (
        dict(looks=5, alpha=0.025, sides=1, spending="kim-demets", rho=3),
        [3.5400837992, 2.9743106440, 2.6045142040, 2.3063567951, 2.0454799458],
        [0.0002000000, 0.0016000000, 0.0054000001, 0.0128000000, 0.0249999900],
        1.0320409916,
        1.0297170587,
    ),
    # getDesignGroupSequential(kMax=5, alpha=0.025, sided=1, typeOfDesign="asKD", gammaA=1.5)
    (
        dict(looks=5, alpha=0.025, sides=1, spending="kim-demets", rho=1.5),
        [2.8427840574, 2.5922758505, 2.4256472215, 2.2908339724, 2.1750116870],
        [0.0022360680, 0.0063245554, 0.0116189501, 0.0178885438, 0.0249999900],
        1.0941640554,
        1.0862005909,
    ),
    # getDesignGroupSequential(kMax=5, alpha=0.05, sided=2, typeOfDesign="OF")
    (
        dict(looks=5, alpha=0.05, sides=2, boundary="obrien-fleming"),
        [4.5617422989, 3.2256389136, 2.6337231442, 2.2808711494, 2.0400731752],
        [0.0000050731, 0.0012590598, 0.0089036125, 0.0255845986, 0.0499999900],
        1.0284109694,
        1.0264863035,
    ),
    # getDesignGroupSequential(kMax=5, alpha=0.05, sided=2, typeOfDesign="P")
    (
        dict(looks=5, alpha=0.05, sides=2, boundary="pocock"),
        [2.4131762202, 2.4131762202, 2.4131762202, 2.4131762202, 2.4131762202],
        [0.0158141716, 0.0275259765, 0.0365446446, 0.0438548313, 0.0500000000],
        1.2285926102,
        1.2066032064,
    ),
    # getDesignGroupSequential(kMax=5, alpha=0.05, sided=2, typeOfDesign="asOF")
    (
        dict(looks=5, alpha=0.05, sides=2, spending="obrien-fleming"),
        [4.8768849488, 3.3570119217, 2.6802800670, 2.2898167744, 2.0310320482],
        [0.0000010777, 0.0007883035, 0.0076161266, 0.0244235803, 0.0499999900],
        1.0247198810,
        1.0230783263,
    ),
    # getDesignGroupSequential(kMax=5, alpha=0.05, sided=2, typeOfDesign="asP")
    (
        dict(looks=5, alpha=0.05, sides=2, spending="pocock"),
        [2.4379766881, 2.4268138632, 2.4101938382, 2.3966454044, 2.3859845623],
        [0.0147697265, 0.0261568580, 0.0354256533, 0.0432419861, 0.0500000000],
        1.2126259404,
        1.1923476444,
    ),
    # getDesignGroupSequential(kMax=5, alpha=0.05, sided=2, typeOfDesign="asHSD", gammaA=-4)
    (
        dict(looks=5, alpha=0.05, sides=2, spending="hwang-shih-decani", gamma=-4),
        [3.2526684884, 2.9860459492, 2.6916574463, 2.3736669496, 2.0253209993],
        [0.0011432679, 0.0036876575, 0.0093503007, 0.0219527451, 0.0500000000],
        1.0253892861,
        1.0234403193,
    ),
    # getDesignGroupSequential(kMax=5, alpha=0.05, sided=2, typeOfDesign="asHSD", gammaA=1)
    (
        dict(looks=5, alpha=0.05, sides=2, spending="hwang-shih-decani", gamma=1),
        [2.4486772497, 2.4189847037, 2.3983813897, 2.3912303373, 2.3947590813],
        [0.0143381863, 0.0260773005, 0.0356884744, 0.0435574375, 0.0500000000],
        1.2156733325,
        1.1952573466,
    ),
    # getDesignGroupSequential(kMax=5, alpha=0.05, sided=2, typeOfDesign="asKD", gammaA=3)
    (
        dict(looks=5, alpha=0.05, sides=2, spending="kim-demets", rho=3),
        [3.5400837992, 2.9743106440, 2.6045142040, 2.3063567802, 2.0454798415],
        [0.0004000000, 0.0032000001, 0.0108000002, 0.0256000001, 0.0500000000],
        1.0320410350,
        1.0297171151,
    ),
    # getDesignGroupSequential(kMax=5, alpha=0.05, sided=2, typeOfDesign="asKD", gammaA=1.5)
    (
        dict(looks=5, alpha=0.05, sides=2, spending="kim-demets", rho=1.5),
        [2.8427840574, 2.5922758505, 2.4256472066, 2.2908334509, 2.1750086769],
        [0.0044721360, 0.0126491108, 0.0232379000, 0.0357770876, 0.0499999900],
        1.0941663839,
        1.0862034500,
    ),
    # getDesignGroupSequential(kMax=3, alpha=0.025, sided=1, typeOfDesign="asOF", informationRates=c(0.3, 0.6, 1))
    (
        dict(information=[0.3, 0.6, 1], alpha=0.025, sides=1, spending="obrien-fleming"),
        [3.9285725426, 2.6699720100, 1.9810244963],
        [0.0000427258, 0.0038080632, 0.0250000000],
        1.0085771616,
        1.0079108360,
    ),
    # getDesignGroupSequential(kMax=3, alpha=0.05, sided=2, typeOfDesign="asP", informationRates=c(0.3, 0.6, 1))
    (
        dict(information=[0.3, 0.6, 1], alpha=0.05, sides=2, spending="pocock"),
        [2.3118353038, 2.3209672198, 2.2689116970],
        [0.0207867611, 0.0354256536, 0.0499999900],
        1.1633396594,
        1.1471933321,
    ),
    # getDesignGroupSequential(kMax=4, alpha=0.025, sided=1, typeOfDesign="asHSD", informationRates=c(0.2, 0.45, 0.7,
    #     1), gammaA=-2)
    (
        dict(information=[0.2, 0.45, 0.7, 1], alpha=0.025, sides=1, spending="hwang-shih-decani", gamma=-2),
        [2.8902821401, 2.6296873167, 2.3904955164, 2.0768943653],
        [0.0019244811, 0.0057113410, 0.0119548174, 0.0250000000],
        1.0537979434,
        1.0490342619,
    ),
    # getDesignGroupSequential(kMax=4, alpha=0.05, sided=2, typeOfDesign="asKD", informationRates=c(0.2, 0.45, 0.7,
    #     1), gammaA=2)
    (
        dict(information=[0.2, 0.45, 0.7, 1], alpha=0.05, sides=2, spending="kim-demets", rho=2),
        [3.0902323062, 2.6218617782, 2.3476185426, 2.0756532922],
        [0.0020000000, 0.0101250000, 0.0245000000, 0.0499999900],
        1.0509725461,
        1.0466821728,
    ),
    # getDesignGroupSequential(kMax=3, alpha=0.05, sided=2, typeOfDesign="asOF", informationRates=c(0.3, 0.6, 0.8))
    (
        dict(information=[0.3, 0.6, 0.8], alpha=0.05, sides=2, spending="obrien-fleming"),
        [3.9285725426, 2.6699720100, 2.2888680175],
        [0.0000854516, 0.0076161265, 0.0244235800],
        None,
        None,
    ),
]

# One-sided designs with a non-binding beta-spending futility boundary, R 4.2.2, rpact 3.3.4:
#   d <- getDesignGroupSequential(<call>); d$criticalValues; d$futilityBounds
#   getDesignCharacteristics(d)$inflationFactor
RPACT_FUTILITY = [
    # getDesignGroupSequential(kMax=2, alpha=0.025, sided=1, typeOfDesign="asOF", typeBetaSpending="bsOF",
    #     bindingFutility=FALSE, beta=0.2)
    (
        dict(looks=2, alpha=0.025, sides=1, spending="obrien-fleming", futility="obrien-fleming", beta=0.2),
        [2.9625880427, 1.9685956463],
        [0.5593914957],
        1.0559984821,
    ),
    # getDesignGroupSequential(kMax=2, alpha=0.025, sided=1, typeOfDesign="asOF", typeBetaSpending="bsOF",
    #     bindingFutility=FALSE, beta=0.1)
    (
        dict(looks=2, alpha=0.025, sides=1, spending="obrien-fleming", futility="obrien-fleming", beta=0.1),
        [2.9625880427, 1.9685956463],
        [0.2670250138],
        1.0250095956,
    ),
    # getDesignGroupSequential(kMax=2, alpha=0.025, sided=1, typeOfDesign="asP", typeBetaSpending="bsP",
    #     bindingFutility=FALSE, beta=0.2)
    (
        dict(looks=2, alpha=0.025, sides=1, spending="pocock", futility="pocock", beta=0.2),
        [2.1569992183, 2.2009769753],
        [1.0832676424],
        1.2766993631,
    ),
    # getDesignGroupSequential(kMax=3, alpha=0.025, sided=1, typeOfDesign="asOF", typeBetaSpending="bsOF",
    #     bindingFutility=FALSE, beta=0.2)
    (
        dict(looks=3, alpha=0.025, sides=1, spending="obrien-fleming", futility="obrien-fleming", beta=0.2),
        [3.7103028733, 2.5114274845, 1.9930474833],
        [-0.2361446099, 1.1703720312],
        1.1043340229,
    ),
    # getDesignGroupSequential(kMax=3, alpha=0.025, sided=1, typeOfDesign="asOF", typeBetaSpending="bsOF",
    #     bindingFutility=FALSE, beta=0.1)
    (
        dict(looks=3, alpha=0.025, sides=1, spending="obrien-fleming", futility="obrien-fleming", beta=0.1),
        [3.7103028733, 2.5114274845, 1.9930474833],
        [-0.6945411659, 1.0024595610],
        1.0593934586,
    ),
    # getDesignGroupSequential(kMax=3, alpha=0.025, sided=1, typeOfDesign="asP", typeBetaSpending="bsP",
    #     bindingFutility=FALSE, beta=0.2)
    (
        dict(looks=3, alpha=0.025, sides=1, spending="pocock", futility="pocock", beta=0.2),
        [2.2794282389, 2.2949111387, 2.2959395871],
        [0.5658515669, 1.4734358587],
        1.3843592584,
    ),
    # getDesignGroupSequential(kMax=4, alpha=0.025, sided=1, typeOfDesign="asOF", typeBetaSpending="bsOF",
    #     bindingFutility=FALSE, beta=0.2)
    (
        dict(looks=4, alpha=0.025, sides=1, spending="obrien-fleming", futility="obrien-fleming", beta=0.2),
        [4.3326336460, 2.9631315991, 2.3590442762, 2.0140901431],
        [-0.8202858782, 0.6098060827, 1.4016986242],
        1.1348401665,
    ),
    # getDesignGroupSequential(kMax=4, alpha=0.025, sided=1, typeOfDesign="asOF", typeBetaSpending="bsOF",
    #     bindingFutility=FALSE, beta=0.1)
    (
        dict(looks=4, alpha=0.025, sides=1, spending="obrien-fleming", futility="obrien-fleming", beta=0.1),
        [4.3326336460, 2.9631315991, 2.3590442762, 2.0140901431],
        [-1.4026665827, 0.3248778819, 1.2911370308],
        1.0830282882,
    ),
    # getDesignGroupSequential(kMax=4, alpha=0.025, sided=1, typeOfDesign="asP", typeBetaSpending="bsP",
    #     bindingFutility=FALSE, beta=0.2)
    (
        dict(looks=4, alpha=0.025, sides=1, spending="pocock", futility="pocock", beta=0.2),
        [2.3683277035, 2.3675242886, 2.3581683114, 2.3500359729],
        [0.2172221426, 1.0274234968, 1.6744914097],
        1.4419981829,
    ),
    # getDesignGroupSequential(kMax=5, alpha=0.025, sided=1, typeOfDesign="asOF", typeBetaSpending="bsOF",
    #     bindingFutility=FALSE, beta=0.2)
    (
        dict(looks=5, alpha=0.025, sides=1, spending="obrien-fleming", futility="obrien-fleming", beta=0.2),
        [4.8768849488, 3.3570119217, 2.6802800670, 2.2898167744, 2.0310320631],
        [-1.2921473671, 0.1697040261, 0.9625049108, 1.5264932862],
        1.1550034214,
    ),
    # getDesignGroupSequential(kMax=5, alpha=0.025, sided=1, typeOfDesign="asOF", typeBetaSpending="bsOF",
    #     bindingFutility=FALSE, beta=0.1)
    (
        dict(looks=5, alpha=0.025, sides=1, spending="obrien-fleming", futility="obrien-fleming", beta=0.1),
        [4.8768849488, 3.3570119217, 2.6802800670, 2.2898167744, 2.0310320631],
        [-1.9772522825, -0.2070437255, 0.7644230654, 1.4467532258],
        1.0993684803,
    ),
    # getDesignGroupSequential(kMax=5, alpha=0.025, sided=1, typeOfDesign="asP", typeBetaSpending="bsP",
    #     bindingFutility=FALSE, beta=0.2)
    (
        dict(looks=5, alpha=0.025, sides=1, spending="pocock", futility="pocock", beta=0.2),
        [2.4379766881, 2.4268138632, 2.4101941362, 2.3966492936, 2.3859997019],
        [-0.0394242771, 0.7050194270, 1.2846801584, 1.7993190079],
        1.4778673188,
    ),
    # getDesignGroupSequential(kMax=4, alpha=0.025, sided=1, typeOfDesign="asOF", typeBetaSpending="bsHSD",
    #     bindingFutility=FALSE, beta=0.2, gammaB=-2)
    (
        dict(
            looks=4,
            alpha=0.025,
            sides=1,
            spending="obrien-fleming",
            futility="hwang-shih-decani",
            beta=0.2,
            futility_gamma=-2,
        ),
        [4.3326336460, 2.9631315991, 2.3590442762, 2.0140901431],
        [-0.5884358276, 0.3523118910, 1.1822167062],
        1.0848448849,
    ),
    # getDesignGroupSequential(kMax=4, alpha=0.025, sided=1, typeOfDesign="asKD", typeBetaSpending="bsKD",
    #     bindingFutility=FALSE, beta=0.2, gammaA=3, gammaB=2)
    (
        dict(
            looks=4, alpha=0.025, sides=1, spending="kim-demets", rho=3, futility="kim-demets", beta=0.2, futility_rho=2
        ),
        [3.3593537179, 2.7603970245, 2.3593634143, 2.0293006673],
        [-0.7783760016, 0.3693337305, 1.2367767119],
        1.0908294019,
    ),
    # getDesignGroupSequential(kMax=3, alpha=0.025, sided=1, typeOfDesign="asOF", typeBetaSpending="bsOF",
    #     bindingFutility=FALSE, beta=0.2, informationRates=c(0.4, 0.7, 1))
    (
        dict(
            information=[0.4, 0.7, 1],
            alpha=0.025,
            sides=1,
            spending="obrien-fleming",
            futility="obrien-fleming",
            beta=0.2,
        ),
        [3.3568693561, 2.4445422813, 2.0005390719],
        [0.1520923819, 1.2667283495],
        1.1160961072,
    ),
    # getDesignGroupSequential(kMax=3, alpha=0.025, sided=1, typeOfDesign="asHSD", typeBetaSpending="bsP",
    #     bindingFutility=FALSE, beta=0.1, informationRates=c(0.3, 0.5, 1), gammaA=-4)
    (
        dict(
            information=[0.3, 0.5, 1],
            alpha=0.025,
            sides=1,
            spending="hwang-shih-decani",
            gamma=-4,
            futility="pocock",
            beta=0.1,
        ),
        [3.0666995493, 2.8365939036, 1.9837049618],
        [0.1961527851, 0.7182758930],
        1.1802816508,
    ),
]


def _label(row: tuple) -> str:
    return ",".join(f"{k}={v}" for k, v in row[0].items())


@pytest.mark.parametrize("row", RPACT, ids=_label)
def test_group_sequential_boundaries_match_rpact(row: tuple) -> None:
    kwargs, z, spent, _, _ = row
    gs = GroupSequential(**kwargs)
    np.testing.assert_allclose(gs.z, z, rtol=0, atol=1e-6)
    np.testing.assert_allclose(gs.alpha_spent, spent, rtol=0, atol=1e-7)


@pytest.mark.parametrize("row", [r for r in RPACT if r[3] is not None], ids=_label)
def test_group_sequential_inflation_matches_rpact(row: tuple) -> None:
    kwargs, _, _, inflation_80, inflation_90 = row
    gs = GroupSequential(**kwargs)
    assert gs.inflation(power=0.8) == pytest.approx(inflation_80, abs=1e-6)
    assert gs.inflation(power=0.9) == pytest.approx(inflation_90, abs=1e-6)


@pytest.mark.parametrize("row", RPACT_FUTILITY, ids=_label)
def test_group_sequential_futility_matches_rpact(row: tuple) -> None:
    kwargs, z, futility, inflation = row
    gs = GroupSequential(**kwargs)
    np.testing.assert_allclose(gs.z, z, rtol=0, atol=1e-6)
    np.testing.assert_allclose(gs.futility[:-1], futility, rtol=0, atol=1e-6)
    assert gs.futility[-1] == gs.z[-1]
    assert gs.inflation() == pytest.approx(inflation, abs=1e-6)


# Jennison & Turnbull (2000), Table 2.1 (Pocock C_P) and Table 2.3 (O'Brien-Fleming C_B), two-sided alpha = 0.05,
# equally spaced looks; Tables 2.2 and 2.4 give the inflation factors R_P and R_B for power 0.8.
@pytest.mark.parametrize(
    ("looks", "pocock", "obf", "r_pocock", "r_obf"),
    [
        (2, 2.178, 1.977, 1.110, 1.008),
        (3, 2.289, 2.004, 1.166, 1.017),
        (4, 2.361, 2.024, 1.202, 1.024),
        (5, 2.413, 2.040, 1.229, 1.028),
    ],
)
def test_group_sequential_classical_matches_jennison_turnbull(
    looks: int, pocock: float, obf: float, r_pocock: float, r_obf: float
) -> None:
    p = GroupSequential(looks=looks, alpha=0.05, sides=2, boundary="pocock")
    b = GroupSequential(looks=looks, alpha=0.05, sides=2, boundary="obrien-fleming")
    np.testing.assert_allclose(p.z, pocock, atol=5e-4)
    assert b.z[-1] == pytest.approx(obf, abs=5e-4)
    np.testing.assert_allclose(b.z * np.sqrt(b.information), obf, atol=5e-4)
    assert p.inflation(power=0.8) == pytest.approx(r_pocock, abs=5e-4)
    assert b.inflation(power=0.8) == pytest.approx(r_obf, abs=5e-4)


def test_group_sequential_grid_converged(monkeypatch: pytest.MonkeyPatch) -> None:
    fine = {}
    for r in (32, 64):
        monkeypatch.setattr(crossing, "GRID_SIZE", r)
        fine[r] = GroupSequential(information=[0.1, 0.3, 0.45, 0.8, 1.0], alpha=0.025, sides=1, spending="pocock").z
    np.testing.assert_allclose(fine[32], fine[64], rtol=0, atol=1e-7)


def test_group_sequential_one_look_is_fixed_design() -> None:
    for sides, alpha in ((1, 0.025), (2, 0.05)):
        for kwargs in ({"boundary": "pocock"}, {"spending": "hwang-shih-decani"}):
            gs = GroupSequential(looks=1, alpha=alpha, sides=sides, **kwargs)
            assert gs.z[0] == pytest.approx(norm.isf(alpha / sides), abs=1e-9)
            assert gs.inflation(power=0.8) == pytest.approx(1.0, abs=1e-8)


def test_group_sequential_linear_spending_families_agree() -> None:
    # Hwang-Shih-DeCani with gamma = 0 and Kim-DeMets with rho = 1 both spend alpha * t.
    info = [0.2, 0.5, 0.9, 1.0]
    hsd = GroupSequential(information=info, alpha=0.05, sides=2, spending="hwang-shih-decani", gamma=0)
    kd = GroupSequential(information=info, alpha=0.05, sides=2, spending="kim-demets", rho=1)
    np.testing.assert_allclose(hsd.z, kd.z, atol=1e-12)
    np.testing.assert_allclose(hsd.alpha_spent, 0.05 * np.array(info), atol=1e-15)


def test_group_sequential_two_sided_is_close_to_one_sided_half_alpha() -> None:
    # They differ only by paths crossing one boundary after the other, a probability below 1e-8 here.
    two = GroupSequential(looks=4, alpha=0.05, sides=2, spending="pocock")
    one = GroupSequential(looks=4, alpha=0.025, sides=1, spending="pocock")
    np.testing.assert_allclose(two.z, one.z, atol=1e-5)
    assert np.all(two.z <= one.z)


def test_group_sequential_nominal_pvalue_matches_boundary() -> None:
    two = GroupSequential(looks=3, alpha=0.05, sides=2, boundary="obrien-fleming")
    one = GroupSequential(looks=3, alpha=0.025, sides=1, boundary="obrien-fleming")
    np.testing.assert_allclose(two.nominal_pvalue, 2 * norm.sf(two.z), rtol=1e-12)
    np.testing.assert_allclose(one.nominal_pvalue, norm.sf(one.z), rtol=1e-12)
    assert np.all(np.isnan(one.futility))


def test_group_sequential_spending_boundaries_depend_on_past_looks_only() -> None:
    full = GroupSequential(information=[0.25, 0.55, 1.0], alpha=0.025, sides=1, spending="obrien-fleming")
    interim = GroupSequential(information=[0.25, 0.55], alpha=0.025, sides=1, spending="obrien-fleming")
    np.testing.assert_allclose(interim.z, full.z[:2], atol=1e-12)
    np.testing.assert_allclose(full.at(information=[0.25, 0.55]).z, full.z[:2], atol=1e-12)


def test_group_sequential_at_planned_information_is_the_plan() -> None:
    plan = GroupSequential(looks=4, alpha=0.025, sides=1, spending="obrien-fleming", futility="pocock", beta=0.1)
    same = plan.at(information=plan.information)
    np.testing.assert_allclose(same.z, plan.z, atol=1e-12)
    np.testing.assert_allclose(same.futility, plan.futility, atol=1e-9)
    assert same.inflation() == pytest.approx(plan.inflation(), abs=1e-9)


def test_group_sequential_at_keeps_planned_alternative_for_futility() -> None:
    plan = GroupSequential(looks=3, alpha=0.025, sides=1, spending="obrien-fleming", futility="obrien-fleming")
    moved = plan.at(information=[0.4, 0.7, 1.0])
    # Same alpha spending as rpact's design at these rates (the RPACT_FUTILITY row with informationRates).
    np.testing.assert_allclose(moved.z, [3.3568693561, 2.4445422813, 2.0005390719], atol=1e-6)
    assert moved.futility[-1] == moved.z[-1]
    interim = plan.at(information=[0.4])
    assert interim.futility[0] == pytest.approx(moved.futility[0], abs=1e-12)
    assert np.isfinite(interim.futility[0])
    assert interim.decide(interim.futility[0] - 0.01, look=1) == "stop-futility"
    assert interim.decide(interim.futility[0] + 0.01, look=1) == "continue"


def test_group_sequential_decide_two_sided() -> None:
    gs = GroupSequential(looks=3, alpha=0.05, sides=2, boundary="pocock")
    b = gs.z[0]
    assert gs.decide(b + 0.01, 1) == "stop-efficacy"
    assert gs.decide(-b - 0.01, 2) == "stop-harm"
    assert gs.decide(b - 0.01, 2) == "continue"
    assert gs.decide(0.0, 3) == "stop-futility"  # the last look ends the test without rejection
    assert gs.decide(b, 3) == "stop-efficacy"


def test_group_sequential_decide_futility_one_sided() -> None:
    gs = GroupSequential(looks=3, alpha=0.025, sides=1, spending="obrien-fleming", futility="obrien-fleming")
    assert gs.decide(gs.futility[1] - 1e-6, 2) == "stop-futility"
    assert gs.decide(gs.futility[1] + 1e-6, 2) == "continue"
    assert gs.decide(-10.0, 1) == "stop-futility"
    assert gs.decide(10.0, np.int64(1)) == "stop-efficacy"


def test_group_sequential_table_and_repr() -> None:
    gs = GroupSequential(information=[0.3, 0.6, 1.0], alpha=0.025, sides=1, spending="kim-demets", rho=2)
    table = gs.table
    assert list(table.columns) == ["look", "information", "z", "nominal_pvalue", "alpha_spent", "futility"]
    assert table["look"].tolist() == [1, 2, 3]
    np.testing.assert_allclose(table["alpha_spent"], 0.025 * np.array([0.09, 0.36, 1.0]), atol=1e-15)
    assert "kim-demets" in repr(gs) and "rho=2.0" in repr(gs)
    assert gs == GroupSequential(information=[0.3, 0.6, 1.0], alpha=0.025, sides=1, spending="kim-demets", rho=2)
    assert gs != GroupSequential(information=[0.3, 0.6, 1.0], alpha=0.025, sides=1, spending="kim-demets", rho=3)
    assert gs.looks == 3


def test_group_sequential_is_read_only() -> None:
    gs = GroupSequential(looks=2, alpha=0.05, sides=2, boundary="pocock")
    with pytest.raises(AttributeError, match="read-only"):
        gs.alpha = 0.1  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        gs.z[0] = 1.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"looks": 3, "alpha": 0.05}, "exactly one of 'boundary'"),
        ({"looks": 3, "boundary": "pocock", "spending": "pocock"}, "exactly one of 'boundary'"),
        ({"boundary": "pocock"}, "exactly one of 'looks'"),
        ({"looks": 3, "information": [0.5, 1], "boundary": "pocock"}, "exactly one of 'looks'"),
        ({"looks": 0, "boundary": "pocock"}, "'looks' parameter"),
        ({"looks": 2.5, "boundary": "pocock"}, "'looks' parameter"),
        ({"information": [0.5, 0.4, 1.0], "spending": "pocock"}, "strictly increasing"),
        ({"information": [0.5, 0.5, 1.0], "spending": "pocock"}, "strictly increasing"),
        ({"information": [0.0, 0.5, 1.0], "spending": "pocock"}, r"in \(0, 1\]"),
        ({"information": [0.5, 1.2], "spending": "pocock"}, r"in \(0, 1\]"),
        ({"information": [], "spending": "pocock"}, "non-empty"),
        ({"information": ["a"], "spending": "pocock"}, "sequence of numbers"),
        ({"information": [0.3, 1.0], "boundary": "pocock"}, "equally spaced"),
        ({"information": [0.5], "boundary": "pocock"}, "equally spaced"),
        ({"looks": 3, "boundary": "haybittle"}, "'boundary' parameter"),
        ({"looks": 3, "spending": "linear"}, "'spending' parameter"),
        ({"looks": 3, "spending": "pocock", "futility": "linear", "sides": 1}, "'futility' parameter"),
        ({"looks": 3, "spending": "pocock", "alpha": 1.5}, "'alpha' parameter"),
        ({"looks": 3, "spending": "pocock", "alpha": True}, "'alpha' parameter"),
        ({"looks": 3, "spending": "pocock", "sides": 3}, "'sides' parameter"),
        ({"looks": 3, "spending": "kim-demets", "rho": 0}, "'rho' parameter"),
        ({"looks": 3, "spending": "hwang-shih-decani", "gamma": float("nan")}, "'gamma' parameter"),
        ({"looks": 3, "spending": "pocock", "futility": "pocock"}, "needs sides=1"),
        ({"looks": 3, "spending": "pocock", "futility": "pocock", "sides": 1, "beta": 0}, "'beta' parameter"),
        ({"information": [0.4, 0.8], "spending": "pocock", "futility": "pocock", "sides": 1}, "last information"),
    ],
)
def test_group_sequential_rejects_bad_input(kwargs: dict, match: str) -> None:
    kwargs = {"sides": 2, **kwargs}
    with pytest.raises(ParameterError, match=match):
        GroupSequential(**kwargs)


def test_group_sequential_method_errors() -> None:
    classical = GroupSequential(looks=3, alpha=0.05, sides=2, boundary="obrien-fleming")
    with pytest.raises(ParameterError, match="spending='obrien-fleming' instead"):
        classical.at(information=[0.3, 0.6, 1.0])
    with pytest.raises(ParameterError, match="'look' parameter"):
        classical.decide(1.0, 4)
    with pytest.raises(ParameterError, match="'look' parameter"):
        classical.decide(1.0, 0)
    with pytest.raises(ParameterError, match="z_statistic"):
        classical.decide(float("nan"), 1)
    with pytest.raises(ParameterError, match="'power' parameter"):
        classical.inflation(power=1.0)
    interim = GroupSequential(information=[0.3, 0.6], alpha=0.05, sides=2, spending="pocock")
    with pytest.raises(ParameterError, match="last information fraction must be 1"):
        interim.inflation()
    futile = GroupSequential(looks=2, alpha=0.025, sides=1, spending="pocock", futility="pocock", beta=0.2)
    with pytest.raises(ParameterError, match=r"beta=0\.1"):
        futile.inflation(power=0.9)
