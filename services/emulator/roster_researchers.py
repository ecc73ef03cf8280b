"""Roster: ordinary researchers across fields, including non-English names and honorifics."""

from __future__ import annotations

from services.emulator.roster import Person, researcher

RESEARCHERS: tuple[Person, ...] = (
    researcher(
        "Amara Okafor",
        request_name="Dr. Amara Okafor",
        domain="cs.northvale.example.edu",
        affiliation="Northvale University",
        position="an Associate Professor of Computer Science",
        field="machine learning",
        interest="robust reinforcement learning",
        facts=(
            "Okafor leads the Resilient Agents Lab, which studies learning agents under distribution shift.",
            "In 2023 she received the Northvale Early Career Teaching Award.",
            "Her group released ShiftGym, an open benchmark for policies under perturbed dynamics.",
        ),
        papers=(
            (
                "Worst-Case Policy Optimization under Perturbed Dynamics",
                2024,
                "We study reinforcement learning agents that must act well when transition dynamics shift "
                "adversarially, and propose a tractable minimax policy gradient.",
                ("Lena Brandt",),
                ("cs.LG", "stat.ML"),
            ),
            (
                "ShiftGym: A Benchmark for Robust Reinforcement Learning",
                2023,
                "ShiftGym is a suite of control tasks with controllable distribution shift for evaluating "
                "robust reinforcement learning methods.",
                ("Tomas Verhoeven", "Lena Brandt"),
                ("cs.LG",),
            ),
            (
                "Calibrated Uncertainty for Offline Policy Evaluation",
                2021,
                "We propose calibrated confidence intervals for off-policy evaluation from logged data.",
                ("Ravi Subramanian",),
                ("cs.LG", "stat.ML"),
            ),
        ),
    ),
    researcher(
        "Henrik Lindqvist",
        domain="physics.baltic-tech.example.edu",
        affiliation="Baltic Institute of Technology",
        position="a Professor of Physics",
        field="quantum information",
        interest="quantum error correction",
        facts=(
            "Lindqvist directs the Baltic Quantum Hardware Group, which builds superconducting qubit arrays.",
            "His group demonstrated a distance-five surface code memory on a 49-qubit device in 2024.",
            "He serves on the editorial board of the fictional Journal of Quantum Engineering.",
        ),
        papers=(
            (
                "Below-Threshold Surface Code Memory on a 49-Qubit Processor",
                2024,
                "We report a distance-five surface code memory whose logical error rate falls with distance.",
                ("Maja Eklund", "Pavel Novak"),
                ("quant-ph",),
            ),
            (
                "Leakage-Aware Decoding for Superconducting Qubits",
                2022,
                "A decoder that models leakage to non-computational states improves logical error rates.",
                ("Maja Eklund",),
                ("quant-ph", "cond-mat.supr-con"),
            ),
        ),
    ),
    researcher(
        "Priya Raman",
        domain="bio.easthaven.example.edu",
        affiliation="Easthaven University",
        position="an Assistant Professor of Computational Biology",
        field="computational biology",
        interest="single-cell genomics",
        facts=(
            "Raman's lab develops statistical methods for single-cell RNA sequencing data.",
            "She was a postdoctoral fellow at the Meridian Institute before joining Easthaven in 2021.",
            "Her software package CellTrace is used to infer developmental trajectories.",
        ),
        papers=(
            (
                "CellTrace: Probabilistic Trajectory Inference for Single-Cell Transcriptomics",
                2022,
                "CellTrace infers developmental trajectories from single-cell RNA sequencing data.",
                ("Jonah Feld",),
                ("q-bio.GN", "stat.AP"),
            ),
            (
                "Batch Effects in Single-Cell Atlases: A Hierarchical Model",
                2024,
                "We model batch effects across single-cell atlases with a hierarchical Bayesian approach.",
                ("Ines Carvalho",),
                ("q-bio.QM",),
            ),
        ),
    ),
    researcher(
        "Mateo Alvarez",
        domain="econ.riverbend.example.edu",
        affiliation="Riverbend University",
        position="an Associate Professor of Economics",
        field="labor economics",
        interest="minimum wage and labor markets",
        facts=(
            "Alvarez studies how minimum wage changes affect employment in small firms.",
            "He co-directs the Riverbend Labor Data Initiative.",
            "His 2023 study used payroll records from 40,000 small businesses.",
        ),
        papers=(
            (
                "Minimum Wages and Small-Firm Employment: Evidence from Payroll Records",
                2023,
                "Using payroll records from 40,000 small businesses we estimate employment effects of "
                "state minimum wage increases.",
                ("Hannah Osterberg",),
                ("econ.GN",),
            ),
            (
                "Monopsony Power in Local Labor Markets",
                2021,
                "We measure employer concentration and wage markdowns across commuting zones.",
                (),
                ("econ.GN", "econ.EM"),
            ),
        ),
    ),
    researcher(
        "Sofia Marchetti",
        domain="neuro.lakeshore.example.edu",
        affiliation="Lakeshore University",
        position="a Professor of Neuroscience",
        field="systems neuroscience",
        interest="hippocampal memory consolidation",
        facts=(
            "Marchetti records from hippocampal place cells in sleeping rodents to study memory replay.",
            "She founded the Lakeshore Sleep and Memory Center in 2019.",
        ),
        papers=(
            (
                "Sharp-Wave Ripples Coordinate Memory Replay Across Hippocampal Subfields",
                2023,
                "Recordings show that sharp-wave ripples coordinate replay between CA1 and CA3 in sleep.",
                ("Luca Bernardi",),
                ("q-bio.NC",),
            ),
        ),
    ),
    researcher(
        "Daniel Osei",
        domain="climate.harbor.example.edu",
        affiliation="Harbor State University",
        position="an Assistant Professor of Earth Sciences",
        field="climate science",
        interest="ocean heat content and climate variability",
        facts=(
            "Osei analyses Argo float data to track heat uptake in the deep ocean.",
            "He previously worked as a research scientist at the fictional Atlantic Climate Observatory.",
        ),
        papers=(
            (
                "Deep Ocean Heat Uptake from Two Decades of Argo Floats",
                2024,
                "We estimate heat uptake below 2000 meters using two decades of Argo float profiles.",
                ("Kirsten Vale",),
                ("physics.ao-ph",),
            ),
        ),
    ),
    researcher(
        "Rebecca Thornfield",
        request_name="Prof. Rebecca Thornfield",
        domain="cs.westmoor.example.edu",
        affiliation="Westmoor University",
        position="a Professor of Computer Science",
        field="natural language processing",
        interest="multilingual language models",
        facts=(
            "Thornfield's group builds language models for low-resource languages.",
            "She led the creation of the Westmoor Multilingual Corpus covering 212 languages.",
            "She teaches the graduate course Computational Linguistics II.",
        ),
        papers=(
            (
                "Cross-Lingual Transfer for Low-Resource Languages via Vocabulary Alignment",
                2024,
                "Aligning subword vocabularies improves cross-lingual transfer to low-resource languages.",
                ("Adebayo Ilori", "Kaito Mori"),
                ("cs.CL",),
            ),
            (
                "The Westmoor Multilingual Corpus",
                2022,
                "We release a corpus of web text in 212 languages with language identification audits.",
                ("Adebayo Ilori",),
                ("cs.CL",),
            ),
        ),
    ),
    researcher(
        "Yusuf Demir",
        domain="robotics.anatolia-tech.example.edu",
        affiliation="Anatolia Technical University",
        position="an Assistant Professor of Mechanical Engineering",
        field="robotics",
        interest="soft robotic grippers",
        facts=(
            "Demir designs soft robotic grippers made from silicone elastomers.",
            "His lab demonstrated a gripper that picks ripe strawberries without bruising them.",
        ),
        papers=(
            (
                "Pneumatic Soft Grippers for Delicate Agricultural Produce",
                2024,
                "A pneumatic soft gripper harvests delicate produce with a bruising rate below two percent.",
                ("Elif Arslan",),
                ("cs.RO",),
            ),
        ),
    ),
    researcher(
        "Ingrid Halvorsen",
        request_name="Dr. Ingrid Halvorsen",
        domain="marine.fjordland.example.edu",
        affiliation="Fjordland University",
        position="a Senior Researcher in Marine Ecology",
        field="marine ecology",
        interest="kelp forest ecosystems",
        facts=(
            "Halvorsen monitors kelp forest recovery along the northern coast.",
            "She leads the Fjordland Kelp Watch citizen science programme.",
        ),
        papers=(
            (
                "Sea Urchin Grazing and Kelp Forest Recovery in Cold Waters",
                2022,
                "Long-term transects show how urchin grazing limits kelp forest recovery in cold waters.",
                ("Magnus Berg",),
                ("q-bio.PE",),
            ),
        ),
    ),
)
