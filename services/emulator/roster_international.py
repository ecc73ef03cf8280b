"""Roster: researchers with non-English names (accents, CJK order, hyphens) and a few more fields."""

from __future__ import annotations

from services.emulator.roster import Person, researcher

INTERNATIONAL: tuple[Person, ...] = (
    researcher(
        "Claire Dubois-Martin",
        domain="ilm.example.org",
        affiliation="Institut Lyonnais des Matériaux",
        position="a Research Director",
        field="materials science",
        interest="perovskite solar cells",
        facts=(
            "Dubois-Martin studies the long-term stability of perovskite solar cells.",
            "Her team reported a perovskite module that kept 90 percent of its efficiency after 3,000 hours.",
        ),
        papers=(
            (
                "Stabilizing Perovskite Modules with Passivating Interlayers",
                2024,
                "Passivating interlayers keep perovskite modules at 90 percent efficiency after 3,000 hours.",
                ("Julien Moreau",),
                ("cond-mat.mtrl-sci",),
            ),
        ),
    ),
    researcher(
        "José Ángel Núñez",
        aliases=("Jose Angel Nunez",),
        domain="astro.uandes.example.org",
        affiliation="Universidad de los Andes Australes",
        position="an Associate Professor of Astronomy",
        field="astrophysics",
        interest="exoplanet atmospheres",
        facts=(
            "Núñez uses transmission spectroscopy to study the atmospheres of hot Neptunes.",
            "He leads the Southern Exoplanet Spectroscopy Survey.",
        ),
        papers=(
            (
                "Water Features in the Transmission Spectra of Three Hot Neptunes",
                2023,
                "We detect water absorption in the transmission spectra of three hot Neptunes.",
                ("Camila Rojas",),
                ("astro-ph.EP",),
            ),
            (
                "Haze Formation on Warm Sub-Neptunes",
                2021,
                "Photochemical haze models explain the flat spectra of several warm sub-Neptunes.",
                (),
                ("astro-ph.EP",),
            ),
        ),
    ),
    researcher(
        "Liu Yang",
        aliases=("Yang Liu",),
        domain="bioinfo.eastlake.example.edu",
        affiliation="Eastlake University",
        position="a Professor of Bioinformatics",
        field="bioinformatics",
        interest="protein structure prediction",
        facts=(
            "Liu Yang's lab develops deep learning methods for protein structure prediction.",
            "Liu received the fictional Eastlake Prize for Young Scientists in 2022.",
        ),
        papers=(
            (
                "Predicting Protein Complex Structures with Coevolution-Aware Transformers",
                2024,
                "A transformer that uses coevolution signals predicts protein complex structures.",
                ("Chen Jing",),
                ("q-bio.BM", "cs.LG"),
            ),
        ),
    ),
    researcher(
        "Nguyen Thi Mai",
        aliases=("Mai Nguyen",),
        domain="health.mekong.example.edu",
        affiliation="Mekong Institute of Public Health",
        position="a Senior Lecturer in Epidemiology",
        field="epidemiology",
        interest="dengue transmission modelling",
        facts=(
            "Nguyen Thi Mai models dengue transmission using climate and mobility data.",
            "She coordinates a dengue surveillance network across six provinces.",
        ),
        papers=(
            (
                "Climate-Driven Forecasts of Dengue Incidence in the Mekong Delta",
                2023,
                "We forecast dengue incidence using temperature, rainfall and mobility data.",
                ("Tran Van Long",),
                ("q-bio.PE", "stat.AP"),
            ),
        ),
    ),
    researcher(
        "Søren Kjærgaard",
        aliases=("Soren Kjaergaard",),
        domain="statistik.nordhavn-uni.example.org",
        affiliation="Nordhavn University",
        position="a Professor of Statistics",
        field="statistics",
        interest="causal inference",
        facts=(
            "Kjærgaard works on causal inference methods for observational health registries.",
            "He wrote the widely used R package regcausal.",
        ),
        papers=(
            (
                "Doubly Robust Estimation with Registry Data",
                2022,
                "We develop doubly robust estimators for observational health registries with missing data.",
                ("Ida Holm",),
                ("stat.ME",),
            ),
        ),
    ),
    researcher(
        "Kwame Mensah-Boateng",
        domain="agecon.savanna.example.edu",
        affiliation="Savanna University",
        position="an Associate Professor of Agricultural Economics",
        field="development economics",
        interest="smallholder farming and crop insurance",
        facts=(
            "Mensah-Boateng runs field experiments on index-based crop insurance for smallholder farmers.",
            "His team worked with 3,200 farming households in the northern region.",
        ),
        papers=(
            (
                "Index Insurance Take-Up Among Smallholder Farmers: A Field Experiment",
                2023,
                "A field experiment with 3,200 households shows how pricing affects insurance take-up.",
                ("Abena Owusu",),
                ("econ.GN",),
            ),
        ),
    ),
    researcher(
        "Élodie Fontaine",
        aliases=("Elodie Fontaine",),
        domain="math.univ-clairval.example.org",
        affiliation="Université de Clairval",
        position="a Professor of Mathematics",
        field="mathematics",
        interest="algebraic topology",
        facts=("Fontaine studies stable homotopy theory and its applications to topological data analysis.",),
        papers=(
            (
                "Persistent Homotopy Groups of Filtered Spaces",
                2022,
                "We define persistent homotopy groups and prove a stability theorem.",
                (),
                ("math.AT",),
            ),
        ),
    ),
    researcher(
        "Tanaka Hiroshi",
        aliases=("Hiroshi Tanaka",),
        domain="geo.kitami.example.edu",
        affiliation="Kitami Institute of Geosciences",
        position="a Professor of Seismology",
        field="seismology",
        interest="earthquake early warning",
        facts=(
            "Tanaka develops earthquake early warning algorithms using dense seismic networks.",
            "His warning system delivered alerts eight seconds before strong shaking in a 2024 test.",
        ),
        papers=(
            (
                "Real-Time Magnitude Estimation for Earthquake Early Warning",
                2024,
                "We estimate magnitude in real time from the first seconds of P-wave data.",
                ("Sato Yuki",),
                ("physics.geo-ph",),
            ),
        ),
    ),
    researcher(
        "Olumide Adeyemi",
        domain="cs.lagoon.example.edu",
        affiliation="Lagoon City University",
        position="a Professor of Computer Science",
        field="cryptography",
        interest="post-quantum cryptography",
        facts=(
            "Adeyemi designs lattice-based signature schemes for constrained devices.",
            "His team's signature scheme runs on microcontrollers with 16 kilobytes of memory.",
        ),
        papers=(
            (
                "Compact Lattice Signatures for Microcontrollers",
                2023,
                "A lattice-based signature scheme fits in 16 kilobytes of memory on common microcontrollers.",
                ("Chiamaka Eze",),
                ("cs.CR",),
            ),
        ),
    ),
    researcher(
        "Fatima Al-Sayed",
        aliases=("Fatima Alsayed",),
        domain="hci.gulfcoast.example.edu",
        affiliation="Gulf Coast University",
        position="an Associate Professor of Human-Computer Interaction",
        field="human-computer interaction",
        interest="accessible interfaces for older adults",
        facts=(
            "Al-Sayed studies how older adults use voice assistants at home.",
            "She co-founded the Gulf Coast Accessibility Design Studio.",
        ),
        papers=(
            (
                "Voice Assistants in the Homes of Older Adults: A Diary Study",
                2024,
                "A six-week diary study with 40 older adults reveals barriers to voice assistant use.",
                (),
                ("cs.HC",),
            ),
        ),
    ),
)
