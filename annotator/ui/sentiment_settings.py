"""Suggest → Sentiment Settings: the four label names and the cut points, per project."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from annotator.nlp.settings import SentimentConfig


class SentimentSettingsDialog(QDialog):
    """Edit a :class:`SentimentConfig`; OK only while the values make sense together."""

    def __init__(self, config: SentimentConfig, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sentiment Settings")
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Each sentence gets a compound score from −1 (very negative) to +1 (very "
            "positive) from the words in it, with negation and intensifiers taken into "
            "account. These settings name the labels and say where one ends and the next "
            "begins. They are saved in the project, so every annotator and the command line "
            "use the same ones; suggestions already made keep their labels.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        form = QFormLayout()
        self.positive = self._name(config.positive_label, "Positive label")
        self.negative = self._name(config.negative_label, "Negative label")
        self.neutral = self._name(config.neutral_label, "Neutral label")
        self.mixed = self._name(config.mixed_label, "Mixed label")
        form.addRow("Positive sentences:", self.positive)
        form.addRow("Negative sentences:", self.negative)
        form.addRow("Neutral sentences:", self.neutral)
        form.addRow("Mixed documents:", self.mixed)
        self.positive_at = self._number(0.0, 1.0, config.positive_threshold, "Positive from")
        self.negative_at = self._number(-1.0, 0.0, config.negative_threshold, "Negative up to")
        self.strong_at = self._number(0.05, 1.0, config.strong_threshold, "Strong from")
        self.mixed_share = self._number(0.0, 0.5, config.mixed_min_share, "Mixed share")
        form.addRow("Positive from score:", self.positive_at)
        form.addRow("Negative up to score:", self.negative_at)
        form.addRow("Strong sentence from ±:", self.strong_at)
        form.addRow("Mixed when the rarer side is at least:", self.mixed_share)
        layout.addLayout(form)
        note = QLabel(
            "A document is mixed when it has strong positive and strong negative sentences "
            "and the rarer kind is at least that share of the strong ones; otherwise it takes "
            "the label of its mean score.",
            self,
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        self.problem = QLabel(self)
        self.problem.setObjectName("problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b3261e;")
        layout.addWidget(self.problem)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults,
            self,
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        defaults = self.buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
        defaults.clicked.connect(lambda: self.show_config(SentimentConfig()))
        layout.addWidget(self.buttons)
        self._check()
        self.resize(520, self.sizeHint().height())

    def _name(self, value: str, accessible: str) -> QLineEdit:
        edit = QLineEdit(value, self)
        edit.setAccessibleName(accessible)
        edit.setMaxLength(60)
        edit.textChanged.connect(self._check)
        return edit

    def _number(self, low: float, high: float, value: float, accessible: str) -> QDoubleSpinBox:
        box = QDoubleSpinBox(self)
        box.setRange(low, high)
        box.setDecimals(2)
        box.setSingleStep(0.05)
        box.setValue(value)
        box.setAccessibleName(accessible)
        box.valueChanged.connect(self._check)
        return box

    def show_config(self, config: SentimentConfig) -> None:
        for edit, value in zip(
            (self.positive, self.negative, self.neutral, self.mixed), config.labels, strict=True
        ):
            edit.setText(value)
        self.positive_at.setValue(config.positive_threshold)
        self.negative_at.setValue(config.negative_threshold)
        self.strong_at.setValue(config.strong_threshold)
        self.mixed_share.setValue(config.mixed_min_share)

    def config(self) -> SentimentConfig:
        """The settings as entered; raises ValueError when they do not fit together."""
        return SentimentConfig(
            positive_threshold=round(self.positive_at.value(), 4),
            negative_threshold=round(self.negative_at.value(), 4),
            strong_threshold=round(self.strong_at.value(), 4),
            mixed_min_share=round(self.mixed_share.value(), 4),
            positive_label=self.positive.text().strip(),
            negative_label=self.negative.text().strip(),
            neutral_label=self.neutral.text().strip(),
            mixed_label=self.mixed.text().strip(),
        )

    def _check(self) -> None:
        try:
            self.config()
        except ValueError as error:
            message = str(error)
            self.problem.setText(message[0].upper() + message[1:] + ".")
            ok = False
        else:
            self.problem.setText("")
            ok = True
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)
